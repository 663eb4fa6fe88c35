import { HttpTarget } from './http-target.ts';

/**
 * Real scrape targets on loopback, each answering Prometheus's text format with one gauge: a job
 * of `count` servers for a Prometheus to scrape (stop one and its `up` goes to 0).
 */
export async function startNodeExporters(count: number): Promise<HttpTarget[]> {
  const nodes: HttpTarget[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await new HttpTarget((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('# TYPE node_load1 gauge\nnode_load1 0.5\n');
      }).start(),
    );
  }
  return nodes;
}
