import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { seriesId } from '../src/engine/probes/prometheus-answer.ts';
import type { HttpTarget } from '../test/support/http-target.ts';
import { startNodeExporters } from '../test/support/node-exporters.ts';
import { prometheusPath, startPrometheus, type RunningServer } from '../test/support/prom-stack.ts';
import { Board } from './board.ts';
import { serve, type Served } from './support/serve.ts';

/**
 * A prometheus check with `instances: true` against a real Prometheus scraping three real
 * targets: each target is a tile right after its check, the check's tile counts the down ones,
 * and a search for one target's address finds its tile.
 */
test('each series of a prometheus check is its own tile under the check', async ({ page }) => {
  test.skip(!prometheusPath, 'Debian package "prometheus" is not installed');
  test.setTimeout(90_000);
  const dir = await mkdtemp(join(tmpdir(), 'knockon-e2e-instances-'));
  const nodes: HttpTarget[] = [];
  let prometheus: RunningServer | null = null;
  let served: Served | null = null;
  try {
    nodes.push(...(await startNodeExporters(3)));
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    prometheus = await startPrometheus(
      dir,
      `global: { scrape_interval: 500ms, scrape_timeout: 400ms }
scrape_configs:
  - job_name: hk-nodes
    static_configs: [{ targets: [${addresses.map((a) => `"${a}"`).join(', ')}] }]
`,
    );
    const configPath = join(dir, 'knockon.yaml');
    await writeFile(
      configPath,
      `version: 1
board: { title: Instances, timezone: UTC }
regions:
  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2 }
checks:
  - id: nodes
    name: HK nodes
    region: hk
    type: prometheus
    url: ${prometheus.url}
    query: up{job="hk-nodes"}
    below: 1
    instance_labels: [instance]
    instances: true
    interval: 500ms
    timeout: 2s
    fall: 1
    rise: 1
`,
    );
    served = await serve(['--config', configPath, '--data-dir', join(dir, 'data'), '--token', 'e2e-instances']);
    const board = new Board(page);
    await board.open(served.url, '#/checks');
    const ids = addresses.map((a) => `nodes/${seriesId({ instance: a })}`);
    for (const id of ids) await board.waitForStatus(id, 'up', 30_000);
    await board.waitForStatus('nodes', 'up');
    await expect(page.getByTestId('instances-nodes')).toHaveText('0 of 3 down');
    await expect(page.getByTestId('region-count-hk')).toContainText('1 check, 3 instances');
    await expect(board.check(ids[1]!)).toContainText(addresses[1]!);

    await nodes[1]!.stop();
    await board.waitForStatus(ids[1]!, 'down', 30_000);
    await board.waitForStatus('nodes', 'down');
    await expect(page.getByTestId('instances-nodes')).toHaveText('1 of 3 down');
    for (const id of [ids[0]!, ids[2]!]) await expect(board.check(id)).toHaveAttribute('data-status', 'up');
    // The check first, then its instance that is down, then the others.
    const order = await page.locator('.tiles article').evaluateAll((tiles) => tiles.map((t) => t.dataset.testid));
    expect(order.slice(0, 2)).toEqual(['check-nodes', `check-${ids[1]}`]);

    await page.getByTestId('check-search').fill(addresses[2]!);
    await expect(page.locator('.tiles article')).toHaveCount(1);
    await expect(board.check(ids[2]!)).toBeVisible();

    await nodes[1]!.start();
    await page.getByTestId('check-search').fill('');
    await board.waitForStatus(ids[1]!, 'up', 30_000);
    await expect(page.getByTestId('instances-nodes')).toHaveText('0 of 3 down');
  } finally {
    await served?.stop();
    await prometheus?.stop();
    for (const node of nodes) await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
