/**
 * The data tier's knock-on and failover, end to end on real servers: a PostgreSQL primary in
 * Hong Kong streaming to a replica in Singapore, and a Singapore app that reads from the replica.
 * Everything the engine does is real (its worker, probes, SQLite store, failover runner with a
 * webhook action to a local receiver). Two outages of the primary:
 * - the replica had caught up: one incident with the primary as root cause, the replica and the
 *   app impacted (folded, not incidents of their own), and the failover runs onto the replica,
 *   whose check is down (replication_stopped) but counts as a ready backup;
 * - the replica was behind (replay paused, writes it never applied): the failover is refused,
 *   because promoting it would lose those writes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import type { IncidentView } from '../../src/shared/model.ts';
import { ADMIN } from '../support/actors.ts';
import { HttpTarget } from '../support/http-target.ts';
import { PG_PASSWORD, POSTGRES_MISSING, PostgresPair, postgresBin } from '../support/postgres.ts';
import { RecordingReceiver } from '../support/receivers.ts';
import { Changes } from '../support/wait.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);
const havePostgres = postgresBin() !== null;
if (!havePostgres) console.warn(POSTGRES_MISSING);

describe.skipIf(!havePostgres)('the HK primary database goes down, with a Singapore replica', () => {
  const pair = new PostgresPair();
  // The reporting app reads from the replica: it answers 503 while it cannot reach its data.
  let reportsUp = true;
  const reports = new HttpTarget((_req, res) => {
    res.writeHead(reportsUp ? 200 : 503, { 'content-type': 'text/plain', connection: 'close' });
    res.end(reportsUp ? 'ok' : 'orders database unavailable');
  });
  const action = new RecordingReceiver();
  const changes = new Changes();
  let dir = '';
  let host: EngineHost | null = null;

  const config = (policy: string, mode: string) => `board: { title: Data tier }
defaults: { interval: 250ms, timeout: 2s, fall: 2, rise: 1 }
regions:
  - { id: hk, name: Hong Kong, lat: 22.32, lon: 114.17 }
  - { id: sg, name: Singapore, lat: 1.35, lon: 103.82 }
checks:
  - { id: db-hk, region: hk, type: postgres, host: 127.0.0.1, port: ${pair.primaryPort}, user: knockon, password_env: KNOCKON_TEST_PG_PASSWORD, role: primary }
  - { id: db-sg, region: sg, type: postgres, host: 127.0.0.1, port: ${pair.replicaPort}, user: knockon, password_env: KNOCKON_TEST_PG_PASSWORD, role: replica, primary: db-hk, lag: { down_bytes: 1 } }
  - { id: reports-sg, region: sg, type: http, url: 'http://127.0.0.1:${reports.port}/health' }
components:
  - { id: hk-db, name: HK orders DB, kind: database, region: hk, checks: [db-hk] }
  - { id: sg-db, name: SG orders DB replica, kind: database, region: sg, checks: [db-sg] }
  - { id: sg-reports, name: SG reports, kind: api, region: sg, checks: [reports-sg], depends_on: [sg-db] }
alerts:
  - { name: DbDown, condition: down, for: 0s, severity: critical }
failover:
  policies:
    - id: ${policy}
      watch: { component: hk-db }
      mode: ${mode}
      primary: db-hk
      backup: db-sg
      actions:
        - { type: webhook, url_env: KNOCKON_TEST_PROMOTE, format: json, timeout: 2s }
      verify: { timeout: 5s, interval: 100ms, check: db-sg }
      failback: { mode: manual }
      cooldown: 1m
`;

  /** A fresh engine (and data dir) on a config whose policy id names the scenario. */
  const startEngine = async (policy: string, mode: 'automatic' | 'approval') => {
    await host?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'knockon-data-tier-'));
    await writeFile(join(dir, 'knockon.yaml'), config(policy, mode));
    host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml'), dataDir: dir });
    host.subscribe(changes.notify);
    host.start();
    await host.ready();
  };
  const snapshot = () => host?.current();
  const check = (id: string) => snapshot()?.checks.find((c) => c.id === id);
  const failover = () => snapshot()?.failovers[0];
  const open = (): IncidentView[] => (snapshot()?.incidents ?? []).filter((i) => i.state === 'open');
  /** The snapshot's checks, printed when a wait times out: what the engine saw instead. */
  const seen = () => JSON.stringify(snapshot()?.checks.map((c) => [c.id, c.status, c.errorClass, c.message]));
  const waitFor = <T>(what: string, test: () => T | undefined | null | false, timeoutMs = 30_000) =>
    changes.until(what, test, timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}; checks: ${seen()}; failover: ${JSON.stringify(failover())}`);
    });
  const allUp = () => ['db-hk', 'db-sg', 'reports-sg'].every((id) => check(id)?.status === 'up');

  /** Takes the primary down as an outage does: the server stops, the app loses its data. */
  const primaryDown = async () => {
    reportsUp = false;
    await pair.primary!.stop();
  };

  beforeAll(async () => {
    process.env.KNOCKON_TEST_PG_PASSWORD = PG_PASSWORD;
    await Promise.all([pair.start(), reports.start(), action.start()]);
    process.env.KNOCKON_TEST_PROMOTE = `${action.url}/promote`;
    action.subscribe(changes.notify);
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await Promise.all([pair.stop(), reports.stop(), action.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a caught-up replica: one incident rooted at the primary, the replica and app impacted, failover runs', async () => {
    await startEngine('caught-up', 'approval');
    await waitFor('every check up', allUp);

    await primaryDown();
    const incident = await waitFor('the primary incident with the replica and the app impacted', () => {
      const found = open().find((i) => i.rootCause.id === 'hk-db');
      const impacted = new Set(found?.impacted.map((x) => x.id));
      return impacted.has('sg-db') && impacted.has('sg-reports') ? found : undefined;
    });
    expect(incident.severity).toBe('critical');
    // The replica's and the app's own failures fold into the primary's incident.
    await waitFor(
      'replica and app down',
      () => check('db-sg')?.status === 'down' && check('reports-sg')?.status === 'down',
    );
    expect(
      open()
        .filter((i) => !i.mergedInto)
        .map((i) => i.rootCause.id),
    ).toEqual(['hk-db']);
    expect(check('db-sg')?.errorClass).toBe('replication_stopped');

    // The replica is down as a replica, yet ready as a backup: it had replayed everything. It
    // is approved only once its own check is down, so the run's verification must read it as a
    // backup too (it used to fail there: "check db-sg is down").
    await waitFor('approval asked', () => failover()?.state === 'awaiting_approval');
    expect(await host!.request('failover.approve', { policyId: 'caught-up' }, ADMIN)).toMatchObject({ ok: true });
    const done = await waitFor('failed over onto the replica', () =>
      failover()?.state === 'failed_over' ? failover() : undefined,
    );
    expect(done.lastMessage).not.toMatch(/refused/i);
    expect(action.requests.map((r) => r.path)).toEqual(['/promote']);
  }, 90_000);

  it('a replica that was behind: the failover is refused, nothing is promoted', async () => {
    reportsUp = true;
    await pair.primary!.start(/ready to accept connections/);
    await pair.replica!.waitForOutput(/started streaming WAL/);
    action.requests.length = 0;
    await startEngine('behind', 'automatic');
    await waitFor('every check up again', allUp);

    // Writes the replica receives but does not replay: it is behind when the primary dies.
    await pair.sql(pair.replicaPort, 'SELECT pg_wal_replay_pause()');
    try {
      await pair.sql(pair.primaryPort, "INSERT INTO orders (note) SELECT 'unreplayed' FROM generate_series(1, 100)");
      await waitFor(
        'the replica reports bytes not yet replayed',
        () => (check('db-sg')?.details?.replication?.lagBytes ?? 0) > 0,
      );
      await primaryDown();
      const refused = await waitFor('the failover refused: backup not ready', () =>
        /backup/i.test(failover()?.lastMessage ?? '') && failover()?.state === 'idle' ? failover() : undefined,
      );
      expect(refused.lastMessage).toMatch(/down/i);
      expect(action.requests).toEqual([]);
    } finally {
      await pair.sql(pair.replicaPort, 'SELECT pg_wal_replay_resume()').catch(() => undefined);
    }
  }, 90_000);
});
