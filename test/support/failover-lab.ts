/**
 * The Hong Kong → Singapore failover scenario with real parts on loopback: a primary HTTP
 * server on 127.0.0.1 and a backup on 127.0.0.2, the zone served by a real Knot DNS (answering
 * on both addresses, each standing for a resolver), a Slack-compatible receiver counting
 * messages, and the real engine in its worker thread with a data directory that survives
 * restarts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EngineHost } from '../../src/engine/host.ts';
import type { CheckView, FailoverView, IncidentView } from '../../src/shared/model.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { queryRecords } from './dns-query.ts';
import { HttpTarget } from './http-target.ts';
import { KnotServer } from './knot.ts';
import { Changes } from './wait.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);

export const PRIMARY = '127.0.0.1';
export const BACKUP = '127.0.0.2';
export const INTERVAL_MS = 200;
export const FALL = 3;
export const POLICY = 'hk-to-sg';

export interface AuditRow {
  at: number;
  step: string;
  detail: Record<string, unknown>;
}

export interface LabPolicy {
  mode?: 'automatic' | 'approval' | 'dry_run';
  failback?: string;
  approvalTimeout?: string;
  cooldown?: string;
  /** The EdgeDown alert's `for` (0s by default: the incident opens with the first down). */
  alertFor?: string;
  /** Adds a Slack receiver `noc` (messages in `noc`) for incidents and the policy's announcements. */
  receivers?: boolean;
}

export class FailoverLab {
  readonly knot = new KnotServer({
    zone: 'example.test',
    records: [`app 1 IN A ${PRIMARY}`],
    addresses: [PRIMARY, BACKUP],
  });
  readonly primary = new HttpTarget();
  private backup: Server | null = null;
  private receiver: Server | null = null;
  /** Bodies the Slack-compatible receiver accepted for the policy's webhook action, in order. */
  readonly messages: { text: string }[] = [];
  /** Bodies the `noc` receiver accepted (incident notifications and announcements), in order. */
  readonly noc: { text: string; blocks: { elements?: { text: string }[] }[] }[] = [];
  private backupPort = 0;
  host: EngineHost | null = null;
  dir = '';
  /** Every board message since the engine (last) started. */
  readonly board: BoardMessage[] = [];
  private readonly changes = new Changes();

  async start(policy: LabPolicy): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'knockon-failover-'));
    await this.knot.start();
    await this.primary.start();
    await this.startBackup();
    this.receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url?.startsWith('/noc')) this.noc.push(JSON.parse(body) as FailoverLab['noc'][number]);
        else this.messages.push(JSON.parse(body) as { text: string });
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        this.changes.notify();
      });
    });
    await new Promise<void>((resolve) => this.receiver!.listen(0, '127.0.0.1', resolve));
    // Secrets reach the engine the way they do in production: environment variables the
    // worker inherits, named (never contained) by the config.
    process.env.KNOCKON_TEST_TSIG = this.knot.secret;
    process.env.KNOCKON_TEST_SLACK = `http://127.0.0.1:${(this.receiver.address() as AddressInfo).port}/services/T0/B0/x`;
    process.env.KNOCKON_TEST_NOC = `http://127.0.0.1:${(this.receiver.address() as AddressInfo).port}/noc`;
    await writeFile(join(this.dir, 'knockon.yaml'), this.config(policy));
    await this.startEngine();
  }

  /** The Singapore backup (on its own address), started again on the same port after a stop. */
  async startBackup(): Promise<void> {
    this.backup = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"OK","site":"sg"}');
    });
    await new Promise<void>((resolve) => this.backup!.listen(this.backupPort, BACKUP, resolve));
    this.backupPort = (this.backup.address() as AddressInfo).port;
  }

  async stopBackup(): Promise<void> {
    const server = this.backup;
    this.backup = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  config(policy: LabPolicy): string {
    const backupPort = this.backupPort;
    const receivers = policy.receivers
      ? `receivers:
  - { id: noc, type: slack, url_env: KNOCKON_TEST_NOC, backoff: 100ms }
notifications: { group_wait: 0s, group_interval: 1s }
`
      : '';
    return `board: { title: Failover lab }
defaults: { interval: ${INTERVAL_MS}ms, timeout: 150ms, fall: ${FALL}, rise: 2 }
checks:
  - id: hk-lb
    name: HK edge load balancer
    type: http
    url: http://${PRIMARY}:${this.primary.port}/health
  - id: sg-lb
    name: SG edge load balancer
    type: http
    url: http://${BACKUP}:${backupPort}/health
alerts:
  - { name: EdgeDown, condition: down, on: checks, ids: [hk-lb], severity: critical, for: ${policy.alertFor ?? '0s'} }
${receivers}failover:
  policies:
    - id: ${POLICY}
      name: Hong Kong to Singapore
      watch: { check: hk-lb }
      mode: ${policy.mode ?? 'automatic'}
      approval_timeout: ${policy.approvalTimeout ?? '10m'}
      record: { name: app.example.test, type: A, ttl: 1s }
      primary: ${PRIMARY}
      backup: ${BACKUP}
      resolvers: [${this.knot.resolvers.join(', ')}]
      actions:
        - type: dns_update
          server: ${this.knot.address}
          zone: example.test
          tsig: { key_name: ${this.knot.keyName}, secret_env: KNOCKON_TEST_TSIG }
          timeout: 2s
          retries: 1
          backoff: 100ms
        - type: webhook
          url_env: KNOCKON_TEST_SLACK
          format: slack
          timeout: 2s
      verify: { timeout: 5s, interval: 100ms, check: sg-lb }
      failback: ${policy.failback ?? '{ mode: automatic, rise: 3, hold: 1s }'}
      cooldown: ${policy.cooldown ?? '1m'}
`;
  }

  async startEngine(): Promise<void> {
    this.board.length = 0;
    const host = new EngineHost({ workerPath, configPath: join(this.dir, 'knockon.yaml'), dataDir: this.dir });
    this.host = host;
    host.subscribe((m) => {
      this.board.push(m);
      this.changes.notify();
    });
    host.start();
    await host.ready();
  }

  /** Stops the engine (SIGTERM's path); `offFor` waits with it down before starting it again. */
  async restartEngine(offFor?: () => Promise<void>): Promise<void> {
    await this.host?.stop();
    await offFor?.();
    await this.startEngine();
  }

  /** Waits for a condition re-tested on every board message and every received webhook. */
  until<T>(what: string, test: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
    return this.changes.until(what, test, timeoutMs);
  }

  check(id: string): CheckView | undefined {
    return this.host?.current()?.checks.find((c) => c.id === id);
  }

  failover(): FailoverView | undefined {
    return this.host?.current()?.failovers.find((f) => f.policyId === POLICY);
  }

  incidents(): IncidentView[] {
    return this.host?.current()?.incidents ?? [];
  }

  /** The policy's audit log, read from the engine's own database (a second reader; WAL allows it). */
  audit(): AuditRow[] {
    const db = new DatabaseSync(join(this.dir, 'knockon.db'), { readOnly: true });
    try {
      const rows = db
        .prepare('SELECT at, step, detail FROM failover_audit WHERE policy_id = ? ORDER BY seq')
        .all(POLICY) as { at: number; step: string; detail: string }[];
      return rows.map((r) => ({ at: r.at, step: r.step, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    } finally {
      db.close();
    }
  }

  /** Probe results of a check as stored by the engine, oldest first. */
  results(checkId: string): { startedAt: number; ok: boolean }[] {
    const db = new DatabaseSync(join(this.dir, 'knockon.db'), { readOnly: true });
    try {
      const rows = db
        .prepare(
          'SELECT r.started_at AS startedAt, r.ok AS ok FROM results r JOIN checks c ON c.key = r.check_key WHERE c.id = ? ORDER BY r.started_at',
        )
        .all(checkId) as { startedAt: number; ok: number }[];
      return rows.map((r) => ({ startedAt: r.startedAt, ok: r.ok === 1 }));
    } finally {
      db.close();
    }
  }

  /** What each resolver (Knot on each address) answers for the record now. */
  async answers(): Promise<string[][]> {
    return Promise.all(
      [PRIMARY, BACKUP].map(
        async (host) => (await queryRecords({ host, port: this.knot.port }, 'app.example.test')).answers,
      ),
    );
  }

  async stop(): Promise<void> {
    await this.host?.stop();
    await this.primary.stop().catch(() => {});
    for (const server of [this.backup, this.receiver]) {
      if (!server) continue;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await this.knot.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
