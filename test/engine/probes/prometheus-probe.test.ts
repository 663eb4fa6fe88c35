/**
 * The prometheus check against a real Prometheus (Debian's `prometheus`, started here on
 * loopback) scraping a real target started here, with the article's two rules as checks:
 * ServerDown (`up == 0`) and HighLatency (`rate(http_request_duration_seconds_sum[5m]) > 0.5`,
 * and the same as a threshold). Errors are classified: Prometheus gone is probe_error, a query
 * it refuses is config_error, nothing where series were expected is promql_empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/engine/clock.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { runProbe } from '../../../src/engine/probes/index.ts';
import { seriesId } from '../../../src/engine/probes/prometheus-answer.ts';
import { checkFrom } from '../../support/checks.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { startNodeExporters } from '../../support/node-exporters.ts';
import { freePort } from '../../support/ports.ts';
import { probeUntil } from '../../support/probe-until.ts';
import { prometheusPath, startPrometheus, type RunningServer } from '../../support/prom-stack.ts';
import { waitFor } from '../../support/wait.ts';

if (!prometheusPath) console.warn('prometheus check test skipped: Debian package "prometheus" is not installed');

let dir = '';
let target: HttpTarget;
let prometheus: RunningServer | null = null;
let gonePort = 0;
/** Three node exporters of a job, one of which the instances test stops and starts again. */
const nodes: HttpTarget[] = [];
const started = Date.now();

/**
 * The target's own metrics: /api spends 300 s of request time per second (many slow requests at
 * once), /static 0.1 s. A series seconds old is young for a 5m rate (Prometheus extrapolates it
 * over its few samples only), so /api's rate passes 0.5 within a second of scraping.
 */
function exposition(): string {
  const seconds = (Date.now() - started) / 1000;
  return [
    '# TYPE http_request_duration_seconds_sum counter',
    `http_request_duration_seconds_sum{handler="/api"} ${(300 * seconds).toFixed(3)}`,
    `http_request_duration_seconds_sum{handler="/static"} ${(0.1 * seconds).toFixed(3)}`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'knockon-promql-'));
  target = await new HttpTarget((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(exposition());
  }).start();
  gonePort = await freePort();
  nodes.push(...(await startNodeExporters(3)));
  if (!prometheusPath) return;
  prometheus = await startPrometheus(
    dir,
    `global: { scrape_interval: 500ms, scrape_timeout: 400ms, evaluation_interval: 500ms }
scrape_configs:
  - job_name: hk-api
    static_configs: [{ targets: ["127.0.0.1:${target.port}"] }]
  - job_name: hk-gone
    static_configs: [{ targets: ["127.0.0.1:${gonePort}"] }]
  - job_name: hk-nodes
    static_configs: [{ targets: [${nodes.map((n) => `"127.0.0.1:${n.port}"`).join(', ')}] }]
`,
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await target?.stop();
  for (const node of nodes) await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

const check = (fields: Record<string, unknown>) =>
  checkFrom('prometheus', { url: prometheus!.url, timeout: '2s', ...fields });

describe.skipIf(!prometheusPath)('a prometheus check against a real Prometheus', () => {
  it('ServerDown (up == 0): down with one series per target down, labels kept and a stable id', async () => {
    const serverDown = check({ query: 'up == 0' });
    const seen = await probeUntil(
      () => runProbe(serverDown),
      (r) => r.errorClass === 'promql_match',
      'up == 0 matching',
    );
    const result = seen.at(-1)!;
    expect(result.ok).toBe(false);
    const series = result.prometheus!.series;
    expect(series).toHaveLength(1);
    const labels = { __name__: 'up', instance: `127.0.0.1:${gonePort}`, job: 'hk-gone' };
    expect(series[0]!.labels).toEqual(labels);
    expect(series[0]!.failing).toBe(true);
    expect(series[0]!.id).toBe(seriesId(labels));
    expect(result.message).toContain(`instance="127.0.0.1:${gonePort}"`);
    // The same rule scoped to the live job: nothing returned is up.
    const live = await runProbe(check({ query: 'up{job="hk-api"} == 0' }));
    expect(live).toMatchObject({ ok: true, errorClass: null });
  });

  it('HighLatency as the article writes it (> 0.5 in the query) and as a threshold on the value', async () => {
    const written = check({ query: 'rate(http_request_duration_seconds_sum[5m]) > 0.5' });
    const seen = await probeUntil(
      () => runProbe(written),
      (r) => r.errorClass === 'promql_match',
      'a high rate',
    );
    expect(seen.at(-1)!.prometheus!.series.map((s) => s.labels.handler)).toEqual(['/api']);

    const threshold = check({ query: 'rate(http_request_duration_seconds_sum[5m])', above: 0.5 });
    const result = await runProbe(threshold);
    expect(result.errorClass).toBe('promql_match');
    const byHandler = Object.fromEntries(result.prometheus!.series.map((s) => [s.labels.handler, s.failing]));
    expect(byHandler).toEqual({ '/api': true, '/static': false });
    // The cap keeps failing series first: each is an alert.
    const capped = await runProbe(
      check({ query: 'rate(http_request_duration_seconds_sum[5m])', above: 0.5, max_series: 1 }),
    );
    expect(capped.prometheus).toMatchObject({ total: 2, series: [{ labels: { handler: '/api' }, failing: true }] });
    const relaxed = await runProbe(check({ query: 'rate(http_request_duration_seconds_sum[5m])', above: 1e6 }));
    expect(relaxed).toMatchObject({ ok: true, errorClass: null });
  });

  it('an empty answer where series were expected is promql_empty', async () => {
    const r1 = await runProbe(check({ query: 'up{job="no-such-job"}', above: 0.5 }));
    expect(r1).toMatchObject({ ok: false, errorClass: 'promql_empty' });
    const r2 = await runProbe(check({ query: 'up{job="no-such-job"}', down_when: 'empty' }));
    expect(r2).toMatchObject({ ok: false, errorClass: 'promql_empty' });
    const r3 = await runProbe(check({ query: 'up{job="hk-api"}', down_when: 'empty' }));
    expect(r3).toMatchObject({ ok: true, errorClass: null });
  });

  it('a query Prometheus refuses is a config_error, shown with its reason', async () => {
    const result = await runProbe(check({ query: 'up ==' }));
    expect(result.errorClass).toBe('config_error');
    expect(result.message).toMatch(/refused by Prometheus \(bad_data\): .*parse error/);
    const range = await runProbe(check({ query: 'up[1m]' }));
    expect(range.errorClass).toBe('config_error');
  });

  it('Prometheus unreachable is the observer problem (probe_error), not the target', async () => {
    const result = await runProbe(checkFrom('prometheus', { url: `http://127.0.0.1:${gonePort}`, query: 'up == 0' }));
    expect(result).toMatchObject({ ok: false, errorClass: 'probe_error', latencyMs: null });
    expect(result.message).toMatch(/Prometheus unreachable/);
  });
});

describe.skipIf(!prometheusPath)('a prometheus check with instances against a real Prometheus', () => {
  it('a target down among three: its instance down, the check down, the others up; back: its instance up', async () => {
    const outcome = parseConfigText(
      JSON.stringify({
        checks: [
          {
            id: 'nodes',
            type: 'prometheus',
            url: prometheus!.url,
            query: 'up{job="hk-nodes"}',
            below: 1,
            instance_labels: ['instance'],
            instances: true,
            interval: '500ms',
            timeout: '2s',
            fall: 1,
            rise: 1,
          },
        ],
      }),
      'test.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    const listeners = new Set<() => void>();
    const engine = new Engine({ clock: systemClock, emit: () => listeners.forEach((l) => l()) });
    const onChange = (l: () => void) => (listeners.add(l), () => void listeners.delete(l));
    const board = () => {
      const checks = engine.snapshot().checks;
      const byInstance = Object.fromEntries(
        checks.filter((c) => c.instanceOf === 'nodes').map((c) => [c.labels!.instance, c.status]),
      );
      return { parent: checks.find((c) => c.id === 'nodes')!, byInstance };
    };
    const [a, b, c] = nodes.map((n) => `127.0.0.1:${n.port}`) as [string, string, string];
    try {
      engine.applyConfig(outcome.config, 'test.yaml');
      const allUp = await waitFor(
        onChange,
        () => {
          const now = board();
          return now.parent.status === 'up' && Object.keys(now.byInstance).length === 3 && now;
        },
        'three instances up',
        30_000,
      );
      expect(allUp.byInstance).toEqual({ [a]: 'up', [b]: 'up', [c]: 'up' });
      const ids = engine
        .snapshot()
        .checks.filter((v) => v.instanceOf)
        .map((v) => v.id);
      expect(ids).toContain(`nodes/${seriesId({ instance: b })}`);

      await nodes[1]!.stop();
      const oneDown = await waitFor(onChange, () => board().byInstance[b] === 'down' && board(), 'b down', 30_000);
      expect(oneDown.byInstance).toEqual({ [a]: 'up', [b]: 'down', [c]: 'up' });
      expect(oneDown.parent).toMatchObject({ status: 'down', instanceCounts: { total: 3, down: 1 } });

      await nodes[1]!.start();
      const back = await waitFor(onChange, () => board().byInstance[b] === 'up' && board(), 'b up again', 30_000);
      expect(back.byInstance).toEqual({ [a]: 'up', [b]: 'up', [c]: 'up' });
      expect(back.parent).toMatchObject({ status: 'up', instanceCounts: { total: 3, down: 0 } });
    } finally {
      await engine.stop();
    }
  }, 120_000);
});
