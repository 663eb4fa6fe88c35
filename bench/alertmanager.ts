/**
 * npm run bench:alertmanager
 *
 * The engine's cost of Alertmanager's alerts, in process (the knock-on module and the webhook's
 * engine side, as the worker runs them; the HTTP door is the board server's, measured by
 * bench:metrics for its kind of work). One JSON line per scenario, CPU from process.cpuUsage:
 * - `webhook`: CPU-s per 1,000 alerts received (parse, map, evaluate, incidents), in batches of
 *   100 firing, then the same resolved, over 500 components.
 * - `results_with_external`: CPU-s per 1,000 check results while 0 or 5,000 Alertmanager alerts
 *   are held: what holding them costs every probe.
 */
import { AlertmanagerInbox } from '../src/engine/alertmanager/inbox.ts';
import { initialView, resolveChecks } from '../src/engine/checks.ts';
import { parseConfigText } from '../src/engine/config/parse.ts';
import { MemoryIncidentRepository } from '../src/engine/incidents/repository.ts';
import { KnockOnModule } from '../src/engine/incidents/module.ts';
import { RpcRegistry } from '../src/engine/rpc.ts';
import { INITIAL_STATE } from '../src/engine/status.ts';
import { FakeClock } from '../test/support/fake-clock.ts';

const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 500);
const BATCH = 100;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 50);

const yaml = [
  'checks:',
  ...Array.from({ length: COMPONENTS }, (_, i) => `  - { id: c${i}, type: tcp, host: 127.0.0.1, port: ${1000 + i} }`),
  'components:',
  ...Array.from({ length: COMPONENTS }, (_, i) => `  - { id: svc${i}, name: Service ${i}, checks: [c${i}] }`),
  'alerts:',
  '  - { name: Down, condition: down, severity: critical }',
  'alertmanager_in: { bearer_token_env: TOKEN, component: "{{ $labels.service }}" }',
  '',
].join('\n');

function setUp() {
  const outcome = parseConfigText(yaml, 'bench.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  const checks = resolveChecks(outcome.config);
  const clock = new FakeClock();
  const module = new KnockOnModule({
    clock,
    repository: new MemoryIncidentRepository(),
    publish: () => {},
    notify: () => {},
    checkViews: () => checks.map((c) => ({ ...initialView(c), status: 'up' as const })),
    env: {},
  });
  module.onConfig(outcome.config, checks);
  const up = { ...INITIAL_STATE, status: 'up' as const, since: clock.now() };
  /** One successful result of check i, as the engine hands it to the module. */
  const result = (i: number) => {
    const check = checks[i]!;
    const probe = {
      checkId: check.id,
      startedAt: clock.now(),
      ok: true,
      latencyMs: 10,
      errorClass: null,
      message: 'ok',
    };
    module.onCheckUpdate({
      check,
      result: probe,
      vantage: 'local',
      evidence: probe,
      previous: up,
      state: up,
      own: up,
      view: { ...initialView(check), status: 'up' },
      now: clock.now(),
    });
  };
  const inbox = new AlertmanagerInbox({
    clock,
    rpc: new RpcRegistry(),
    log: () => {},
    receive: (batch) => module.receiveExternal(batch),
    env: { TOKEN: 'secret' },
  });
  inbox.onConfig(outcome.config);
  return { result, inbox };
}

function body(from: number, count: number, status: 'firing' | 'resolved'): string {
  const alerts = Array.from({ length: count }, (_, k) => {
    const n = from + k;
    return {
      status,
      labels: {
        alertname: 'HighLatency',
        service: `svc${n % COMPONENTS}`,
        instance: `10.0.${n >> 8}.${n & 255}:9100`,
        severity: 'warning',
      },
      annotations: { description: `High request latency on instance ${n}` },
      startsAt: '2026-12-04T17:50:32Z',
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-12-04T18:50:32Z',
      fingerprint: n.toString(16).padStart(16, '0'),
    };
  });
  return JSON.stringify({ version: '4', groupKey: '{}:{}', status, receiver: 'knockon', alerts });
}

function cpuSeconds<T>(fn: () => T): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

{
  const { inbox } = setUp();
  const firing = Array.from({ length: BATCHES }, (_, b) => body(b * BATCH, BATCH, 'firing'));
  const resolved = Array.from({ length: BATCHES }, (_, b) => body(b * BATCH, BATCH, 'resolved'));
  const send = (bodies: string[]) => {
    for (const b of bodies) {
      const out = inbox.webhook({ authorization: 'Bearer secret', body: b });
      if (out.status !== 200) throw new Error(JSON.stringify(out));
    }
  };
  const fire = cpuSeconds(() => send(firing));
  const resolve = cpuSeconds(() => send(resolved));
  const alerts = BATCH * BATCHES;
  console.log(
    JSON.stringify({
      bench: 'alertmanager',
      scenario: 'webhook',
      components: COMPONENTS,
      alerts,
      batch: BATCH,
      cpuSecondsPer1000Firing: round((fire / alerts) * 1000),
      cpuSecondsPer1000Resolved: round((resolve / alerts) * 1000),
    }),
  );
}

for (const held of [0, 5_000]) {
  const { result, inbox } = setUp();
  for (let b = 0; b < held / BATCH; b++)
    inbox.webhook({ authorization: 'Bearer secret', body: body(b * BATCH, BATCH, 'firing') });
  const RESULTS = 10_000;
  const cpu = cpuSeconds(() => {
    for (let i = 0; i < RESULTS; i++) result(i % COMPONENTS);
  });
  console.log(
    JSON.stringify({
      bench: 'alertmanager',
      scenario: 'results_with_external',
      externalAlertsHeld: held,
      results: RESULTS,
      cpuSecondsPer1000Results: round((cpu / RESULTS) * 1000),
    }),
  );
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
