/**
 * Alertmanager in and out, against real servers started here on loopback: Debian's Prometheus
 * scrapes a real target and evaluates the article's ServerDown rule, Debian's Alertmanager sends
 * it to the board server's webhook door (authenticated with a bearer token from the
 * environment), and the real engine (worker thread) folds it into the incident of the root
 * cause Knockon found itself; when Alertmanager sends it resolved, the incident resolves. The
 * other way, Knockon's own incident is posted to the same Alertmanager and read back from its
 * /api/v2/alerts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import { ALERTMANAGER_WEBHOOK_PATH, startBoardServer, type RunningBoardServer } from '../../src/server/board-server.ts';
import type { IncidentView } from '../../src/shared/model.ts';
import { HttpTarget } from '../support/http-target.ts';
import { freePort } from '../support/ports.ts';
import {
  alertmanagerPath,
  pollUntil,
  prometheusPath,
  startAlertmanager,
  startPrometheus,
  type RunningServer,
} from '../support/prom-stack.ts';

const missing = [!prometheusPath && 'prometheus', !alertmanagerPath && 'prometheus-alertmanager'].filter(Boolean);
if (missing.length > 0)
  console.warn(`alertmanager test skipped: Debian package(s) ${missing.join(', ')} not installed`);

const HOOK_TOKEN = 'am-hook-secret-0123456789';
const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);

let dir = '';
let api: HttpTarget;
let db: HttpTarget;
let host: EngineHost;
let board: RunningBoardServer;
let prometheus: RunningServer | null = null;
let alertmanager: RunningServer | null = null;

/** A service exposing metrics for Prometheus and answering Knockon's probe: up while it runs. */
const service = () =>
  new HttpTarget((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('app_info 1\n');
  });

beforeAll(async () => {
  if (missing.length > 0) return;
  dir = mkdtempSync(join(tmpdir(), 'knockon-am-'));
  api = await service().start();
  db = await service().start();
  const amPort = await freePort();
  process.env.KNOCKON_TEST_AM_HOOK_TOKEN = HOOK_TOKEN;
  writeFileSync(
    join(dir, 'knockon.yaml'),
    `defaults: { interval: 300ms, timeout: 250ms, fall: 1, rise: 1 }
checks:
  - { id: api-http, type: http, url: "${api.url}/" }
  - { id: db-tcp, type: tcp, host: 127.0.0.1, port: ${db.port} }
components:
  - { id: hk-db, name: HK database, kind: database, checks: [db-tcp] }
  - { id: hk-api, name: HK API, kind: api, checks: [api-http], depends_on: [hk-db] }
alerts:
  - { name: DbDown, condition: down, on: components, ids: [hk-db], severity: critical }
receivers:
  - { id: am, type: alertmanager, url: "http://127.0.0.1:${amPort}", labels: { source: knockon } }
notifications: { group_wait: 0s, group_interval: 1s }
alertmanager_in:
  bearer_token_env: KNOCKON_TEST_AM_HOOK_TOKEN
  component: "{{ $labels.service }}"
`,
  );
  host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml'), dataDir: dir });
  host.start();
  await host.ready();
  board = await startBoardServer({ source: host, staticDir: dir, port: 0, token: 'board-token' });
  alertmanager = await startAlertmanager(
    dir,
    `route:
  receiver: knockon
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    # Knockon's own incidents come back here: not to Knockon again.
    - { matchers: ['source="knockon"'], receiver: nobody }
receivers:
  - name: nobody
  - name: knockon
    webhook_configs:
      - url: ${board.url.replace(/\/$/, '')}${ALERTMANAGER_WEBHOOK_PATH}
        send_resolved: true
        http_config: { authorization: { credentials: ${HOOK_TOKEN} } }
`,
    amPort,
  );
  prometheus = await startPrometheus(
    dir,
    `global: { scrape_interval: 300ms, scrape_timeout: 250ms, evaluation_interval: 300ms }
rule_files: [rules.yml]
alerting:
  alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:${amPort}"] }] }]
scrape_configs:
  - job_name: hk-api
    static_configs: [{ targets: ["127.0.0.1:${api.port}"], labels: { service: hk-api } }]
`,
    // The article's rule, with a `for` short enough for a test, and kept firing a while after
    // the target is back so Knockon's own DbDown has resolved before Alertmanager's alert does.
    `groups:
  - name: article
    rules:
      - alert: ServerDown
        expr: up == 0
        for: 1s
        keep_firing_for: 3s
        labels: { severity: critical }
        annotations:
          description: "Server {{ $labels.instance }} has been down for more than 1 minute"
`,
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await board?.close();
  await host?.stop();
  await api?.stop();
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function postHook(body: unknown, authorization?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${board.url.replace(/\/$/, '')}${ALERTMANAGER_WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

function incidentOf(root: string): IncidentView | undefined {
  return host.current()?.incidents.find((i) => i.rootCause.id === root);
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

async function knockonAlertsInAlertmanager(): Promise<AmAlert[]> {
  const res = await fetch(
    `${alertmanager!.url}/api/v2/alerts?filter=${encodeURIComponent('alertname="KnockonIncident"')}`,
  );
  return (await res.json()) as AmAlert[];
}

describe.skipIf(missing.length > 0)('Alertmanager in and out', () => {
  it('refuses a webhook without the token, a body that is not version 4, and one over 1 MiB', async () => {
    const good = { version: '4', groupKey: 'g', status: 'firing', receiver: 'knockon', alerts: [] };
    expect((await postHook(good)).status).toBe(401);
    expect((await postHook(good, 'Bearer board-token')).status).toBe(401);
    const wrong = await postHook({ ...good, version: '3' }, `Bearer ${HOOK_TOKEN}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('version');
    expect((await postHook(good, `Bearer ${HOOK_TOKEN}`)).status).toBe(200);
    const huge = { ...good, groupKey: 'x'.repeat(1024 * 1024) };
    expect((await postHook(huge, `Bearer ${HOOK_TOKEN}`)).status).toBe(413);
  });

  it('a real ServerDown folds into the root cause incident, goes out to Alertmanager, and resolves with it', async () => {
    await api.stop();
    await db.stop();
    // Knockon finds the root cause itself (the database), and opens its incident.
    await pollUntil(
      async () => incidentOf('hk-db'),
      (i) => (i?.state === 'open' ? i : null),
    );
    // Prometheus's ServerDown on the API, through Alertmanager: folded into the database's incident.
    const folded = await pollUntil(
      async () => incidentOf('hk-db'),
      (i) => i?.events.find((e) => e.data?.alert === 'ServerDown') ?? null,
    );
    expect(folded.kind).toBe('impact_changed');
    expect(folded.message).toContain('HK API is affected too (ServerDown)');
    expect(host.current()!.incidents.filter((i) => i.state === 'open')).toHaveLength(1);

    // Out: the incident as an alert in the same Alertmanager.
    const out = await pollUntil(knockonAlertsInAlertmanager, (alerts) => (alerts.length > 0 ? alerts : null));
    expect(out[0]!.labels).toMatchObject({ root_cause: 'hk-db', severity: 'critical', source: 'knockon' });
    expect(out[0]!.status.state).toBe('active');

    await db.start();
    await api.start();
    const resolved = await pollUntil(
      async () => incidentOf('hk-db'),
      (i) => (i?.state === 'resolved' ? i : null),
      30_000,
    );
    // The database came back first; the incident waited for Alertmanager to resolve ServerDown.
    expect(resolved.events.find((e) => e.kind === 'resolved')!.message).toContain('ServerDown resolved');
    await pollUntil(knockonAlertsInAlertmanager, (alerts) => (alerts.length === 0 ? true : null));
  }, 90_000);
});
