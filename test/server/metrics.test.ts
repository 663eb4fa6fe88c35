/**
 * GET /metrics, scraped by a real Prometheus (Debian's `prometheus`, started here on loopback)
 * from the real engine (worker thread) behind the real board server, and read back through
 * Prometheus's HTTP API: the names blackbox_exporter users query, Knockon's own, and the scrape
 * itself (`up`), which Prometheus sets to 0 for exposition text it cannot parse. The Grafana
 * dashboard shipped in resources/ queries only metrics and labels that /metrics really has.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import { startBoardServer, type RunningBoardServer } from '../../src/server/board-server.ts';
import { findSbin, terminate } from '../support/binaries.ts';
import { HttpTarget } from '../support/http-target.ts';
import { freePort } from '../support/ports.ts';

const prometheusPath = findSbin('prometheus');
if (!prometheusPath)
  console.warn('metrics test skipped: Debian package "prometheus" is not installed (apt-get install prometheus)');

const TOKEN = 'scrape-secret-0123456789';
const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);

let dir = '';
let up: HttpTarget;
let host: EngineHost;
let board: RunningBoardServer;
let prometheus: ChildProcess | null = null;
let promUrl = '';

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          type: String(res.headers['content-type']),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** One instant query; the samples' labels and values. */
async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await get(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = JSON.parse(res.body) as { status: string; data: { result: never[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${res.body}`);
  return body.data.result;
}

/** Polls Prometheus until the query returns what `test` accepts (scrapes are every second). */
async function until<T>(promql: string, test: (r: Awaited<ReturnType<typeof query>>) => T | null, ms = 20_000) {
  const deadline = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    const result = await query(promql).catch((error: unknown) => {
      last = error;
      return [];
    });
    if (result.length > 0) last = result;
    const accepted = test(result);
    if (accepted !== null) return accepted;
    if (Date.now() > deadline) throw new Error(`timed out on ${promql}: last ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'knockon-metrics-'));
  up = await new HttpTarget().start();
  const refusedPort = await freePort();
  writeFileSync(
    join(dir, 'knockon.yaml'),
    `defaults: { interval: 500ms, timeout: 400ms, fall: 1, rise: 1 }
regions:
  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2 }
checks:
  - { id: hk-api, type: http, url: "${up.url}/health", region: hk }
  - { id: hk-db, type: tcp, host: 127.0.0.1, port: ${refusedPort}, region: hk }
components:
  - { id: hk-edge, name: HK edge, kind: load_balancer, region: hk, checks: [hk-api] }
  - { id: hk-store, name: HK store, kind: database, region: hk, checks: [hk-db] }
alerts:
  - { name: StoreDown, condition: down, severity: critical }
receivers:
  - { id: wall, type: desktop }
notifications: { group_wait: 0s }
failover:
  policies:
    - { id: hk-store-dr, watch: { check: hk-db }, mode: dry_run, primary: hk, backup: sg, actions: [{ type: command, run: [/bin/true] }] }
`,
  );
  host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml'), dataDir: dir });
  host.start();
  await host.ready();
  board = await startBoardServer({
    source: host,
    staticDir: dir,
    port: 0,
    token: 'board-token-not-for-metrics',
    metricsAuth: { bearer: TOKEN },
  });
  if (!prometheusPath) return;
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, scrape_timeout: 900ms }
scrape_configs:
  - job_name: knockon
    authorization: { credentials: ${TOKEN} }
    static_configs: [{ targets: ["${new URL(board.url).host}"] }]
`,
  );
  prometheus = spawn(
    prometheusPath,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
}, 60_000);

afterAll(async () => {
  await terminate(prometheus);
  await board?.close();
  await host?.stop();
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /metrics', () => {
  it('asks for its own credentials, never the board token', async () => {
    expect((await get(new URL('/metrics', board.url).href)).status).toBe(401);
    expect(
      (await get(new URL('/metrics', board.url).href, { authorization: 'Bearer board-token-not-for-metrics' })).status,
    ).toBe(401);
    const ok = await get(new URL('/metrics', board.url).href, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.body).toContain('# TYPE knockon_check_status gauge');
  });

  it.skipIf(!prometheusPath)(
    'is scraped by a real Prometheus: blackbox names, the decided status, the engine, the incident',
    async () => {
      await until('up{job="knockon"}', (r) => (r[0]?.value[1] === '1' ? r : null));
      const api = await until('probe_success{check="hk-api"}', (r) => (r.length > 0 ? r : null));
      expect(api[0]!.metric).toMatchObject({
        check: 'hk-api',
        type: 'http',
        region: 'hk',
        component: 'hk-edge',
        vantage: 'local',
      });
      expect(api[0]!.value[1]).toBe('1');
      const db = await until('probe_success{check="hk-db"}', (r) => (r[0]?.value[1] === '0' ? r : null));
      expect(db[0]!.metric.component).toBe('hk-store');
      await until('knockon_check_status{check="hk-db",status="down"}', (r) => (r.length === 1 ? r : null));
      const phases = await query('probe_http_duration_seconds{check="hk-api"}');
      expect(phases.map((p) => p.metric.phase).sort()).toEqual(['connect', 'processing', 'resolve', 'tls', 'transfer']);
      expect(Number((await query('probe_http_status_code{check="hk-api"}'))[0]!.value[1])).toBe(200);
      await until('knockon_incidents_open{severity="critical"}', (r) => (r[0]?.value[1] === '1' ? r : null));
      await until('knockon_component_root_cause{component="hk-store"}', (r) => (r.length === 1 ? r : null));
      expect((await query('knockon_probes_in_flight')).length).toBe(1);
      expect((await query('knockon_probe_start_lag_seconds')).map((r) => r.metric.quantile).sort()).toEqual([
        '0.5',
        '0.99',
      ]);
      expect((await query('knockon_worker_restarts_total'))[0]!.value[1]).toBe('0');
      await until('knockon_failover_state{policy="hk-store-dr"}', (r) => (r.length === 1 ? r : null));
      await until('knockon_notifications_total{receiver="wall",outcome="sent"}', (r) =>
        Number(r[0]?.value[1] ?? 0) >= 1 ? r : null,
      );
    },
    40_000,
  );

  it.skipIf(!prometheusPath)(
    'the shipped Grafana dashboard queries only metrics and labels that /metrics has',
    async () => {
      // After the scrape test: every family has samples by now.
      const text = (await get(new URL('/metrics', board.url).href, { authorization: `Bearer ${TOKEN}` })).body;
      const exposed = new Map<string, Set<string>>();
      for (const line of text.split('\n')) {
        const family = /^# TYPE ([a-z_:][a-z0-9_:]*) /i.exec(line);
        if (family && !exposed.has(family[1]!)) exposed.set(family[1]!, new Set());
        const m = /^([a-z_:][a-z0-9_:]*)(\{(.*)\})? /i.exec(line);
        if (!m) continue;
        const labels = exposed.get(m[1]!) ?? new Set<string>();
        for (const pair of (m[3] ?? '').matchAll(/([a-z_]+)="/gi)) labels.add(pair[1]!);
        exposed.set(m[1]!, labels);
      }
      const dashboard = JSON.parse(readFileSync('resources/grafana/knockon-dashboard.json', 'utf8')) as {
        panels: { title: string; targets?: { expr: string }[] }[];
      };
      const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
      expect(exprs.length).toBeGreaterThanOrEqual(5);
      // PromQL's own words: functions, aggregations and operators.
      const functions = new Set(
        'sum by avg max min count rate irate increase avg_over_time time on without ignoring group_left bool or and unless vector topk sort_desc clamp_max'.split(
          ' ',
        ),
      );
      for (const { panel, expr } of exprs) {
        const withoutSelectors = expr
          .replace(/\{[^}]*\}/g, ' ')
          .replace(/\[[^\]]*\]/g, ' ')
          .replace(/"[^"]*"/g, ' ');
        const names = (withoutSelectors.match(/[a-z_:][a-z0-9_:]*/gi) ?? []).filter(
          (n) => !functions.has(n) && !/^\d/.test(n),
        );
        for (const name of names) {
          expect(exposed.has(name) || isLabelInBy(expr, name), `${panel}: ${name} in ${expr}`).toBe(true);
        }
        for (const selector of expr.matchAll(/([a-z_:][a-z0-9_:]*)\{([^}]*)\}/gi)) {
          for (const label of selector[2]!.matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/gi)) {
            expect(exposed.get(selector[1]!)?.has(label[1]!), `${panel}: ${selector[1]}{${label[1]}}`).toBe(true);
          }
        }
      }
    },
  );
});

/** A label named in `by (...)` / `without (...)` rather than a metric. */
function isLabelInBy(expr: string, name: string): boolean {
  return [...expr.matchAll(/(?:by|without)\s*\(([^)]*)\)/g)].some((m) =>
    m[1]!.split(',').some((l) => l.trim() === name),
  );
}
