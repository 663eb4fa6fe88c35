/**
 * The agent's sync loop against a stand-in centre on a real socket: a backlog goes up oldest
 * first in back-to-back batches, failures back off while probing goes on, the observer's own
 * network marks results, shutdown writes the buffer and syncs once more, and HTTPS trusts
 * --ca-file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, nextSyncDelay, ProbeAgent } from '../../src/agent/agent.ts';
import { AgentBuffer } from '../../src/agent/buffer.ts';
import { CentreClient } from '../../src/agent/client.ts';
import { agentHealth, AgentStatusSchema, STATUS_FILE } from '../../src/agent/status-file.ts';
import {
  AGENT_SYNC_PATH,
  AGENT_PROTOCOL_VERSION,
  AgentSyncRequestSchema,
  decodeBatch,
  encodeBatch,
  MAX_BATCH_RESULTS,
  type AgentSyncRequest,
  type AgentSyncResponse,
  type Assignment,
  type NumberedResult,
} from '../../src/shared/agent-protocol.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { HttpTarget } from '../support/http-target.ts';
import { freePort } from '../support/ports.ts';
import { waitFor } from '../support/wait.ts';

const TOKEN = 'kna_test-agent-token';

interface Seen {
  at: number;
  body: AgentSyncRequest;
  /** The body's batch, decoded, each result with its number. */
  results: NumberedResult[];
}

/** A batch's results with their numbers (the sum of the seq column so far). */
function numbered(body: AgentSyncRequest): NumberedResult[] {
  const { results } = decodeBatch(body.results);
  let seq = 0;
  return body.results.seq.map((step, i) => ({ seq: (seq += step), result: results[i]! }));
}

/** A stand-in centre: records each sync, answers as `answer` says (by default: ack all, send the assignment). */
class StandInCentre {
  readonly syncs: Seen[] = [];
  assignment: Assignment | null = null;
  /** Non-null: the status to answer with instead of accepting. */
  failWith: number | null = null;
  /** Non-null: the next slot on the beat to answer with (nextInMs). */
  nextInMs: number | null = null;
  private server: Server | null = null;
  private readonly listeners = new Set<() => void>();
  url = '';

  async start(tls?: { key: string; cert: string }): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const parsed = AgentSyncRequestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        const good = req.url === AGENT_SYNC_PATH && req.headers.authorization === `Bearer ${TOKEN}` && parsed.success;
        if (!good) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad sync"}');
          return;
        }
        this.syncs.push({ at: Date.now(), body: parsed.data, results: numbered(parsed.data) });
        for (const l of this.listeners) l();
        if (this.failWith !== null) {
          res.writeHead(this.failWith, { 'content-type': 'application/json' }).end('{"error":"not now"}');
          return;
        }
        const ack = Math.max(0, ...this.syncs.filter((s) => s.results.length > 0).map((s) => s.results.at(-1)!.seq));
        const answer: AgentSyncResponse = { v: AGENT_PROTOCOL_VERSION, ack, at: Date.now() };
        if (this.assignment && parsed.data.assignmentRev !== this.assignment.rev) answer.assignment = this.assignment;
        if (this.nextInMs !== null) answer.nextInMs = this.nextInMs;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    };
    this.server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = this.server.address() as AddressInfo;
    this.url = `${tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`;
    return this;
  }

  /** Forgets every sync and goes back to accepting, between tests. */
  reset(): void {
    this.syncs.length = 0;
    this.assignment = null;
    this.failWith = null;
    this.nextInMs = null;
  }

  until<T>(check: () => T | null | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
    return waitFor(
      (onChange) => {
        this.listeners.add(onChange);
        return () => this.listeners.delete(onChange);
      },
      check,
      what,
      timeoutMs,
    );
  }

  /** Every result received, in the order received. */
  results() {
    return this.syncs.flatMap((s) => s.results);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

function assignment(rev: string, checks: Record<string, unknown>[], references: string[] = []): Assignment {
  return {
    rev,
    vantage: 'sg',
    config: {
      version: 1,
      defaults: { interval: '200ms', timeout: '150ms', fall: 1, rise: 1 },
      checks,
      vantage: { id: 'sg', name: 'Singapore', reference_checks: references, offline_when: 'all' },
    },
  };
}

let dir: string;
let target: HttpTarget;
let closedPort: number;
const agents: ProbeAgent[] = [];
const logs: string[] = [];
const changes = new Set<() => void>();
/** Resolves once `check` holds, tested whenever an agent buffers a result or syncs. */
const agentUntil = <T>(check: () => T | null | undefined | false, what: string) =>
  waitFor(
    (onChange) => {
      changes.add(onChange);
      return () => changes.delete(onChange);
    },
    check,
    what,
  );

function agent(centre: string, extra: Partial<ConstructorParameters<typeof ProbeAgent>[0]> = {}): ProbeAgent {
  const a = new ProbeAgent({
    centre,
    vantage: 'sg',
    token: TOKEN,
    dataDir: join(dir, 'agent'),
    syncIntervalMs: 100,
    version: 'test',
    log: (_level, message) => logs.push(message),
    onChange: () => {
      for (const l of [...changes]) l();
    },
    ...extra,
  });
  agents.push(a);
  return a;
}

let centre: StandInCentre;
beforeAll(async () => {
  target = await new HttpTarget().start();
  closedPort = await freePort();
  centre = await new StandInCentre().start();
});
afterAll(async () => {
  await centre.stop();
  await target.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'knockon-agent-sync-'));
  logs.length = 0;
  centre.reset();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('agent sync loop', () => {
  it('sends a backlog oldest first, in batches back to back (not one per interval)', async () => {
    const prefill = AgentBuffer.open({ dataDir: join(dir, 'agent'), maxCount: 100_000, maxAgeMs: 3_600_000 });
    const t = Date.now();
    const total = 2 * MAX_BATCH_RESULTS + 2_000;
    for (let i = 0; i < total; i++) {
      prefill.add({
        checkId: 'api',
        startedAt: t - total + i,
        ok: true,
        latencyMs: 1,
        errorClass: null,
        message: 'ok',
      });
    }
    prefill.close();
    // An hour between syncs: only back-to-back batches can bring it all up within the test.
    agent(centre.url, { syncIntervalMs: 3_600_000 }).start();
    await centre.until(() => centre.results().length >= total, 'the whole backlog');
    const withResults = centre.syncs.filter((s) => s.results.length > 0);
    expect(withResults.map((s) => s.results.length)).toEqual([MAX_BATCH_RESULTS, MAX_BATCH_RESULTS, 2_000]);
    expect(centre.results().map((r) => r.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(withResults[0]!.body.status.buffered).toBe(total - MAX_BATCH_RESULTS);
  });

  it('backs off while the centre fails, keeps probing, and then sends everything in order', async () => {
    centre.assignment = assignment('rev-1', [{ id: 'api', type: 'http', url: `${target.url}/` }]);
    const a = agent(centre.url);
    a.start();
    await centre.until(() => centre.results().length >= 3, 'the first results');
    centre.failWith = 503;
    const failedFrom = centre.syncs.length;
    const start = Date.now();
    await centre.until(() => centre.syncs.length >= failedFrom + 3, 'three failed syncs');
    const health = agentHealth(join(dir, 'agent'), 60_000);
    expect(health).toMatchObject({
      healthy: true,
      message: expect.stringContaining('not synced with the centre (HTTP 503'),
    });
    centre.failWith = null;
    const recovered = centre.syncs.length;
    const recoveredAt = Date.now();
    await centre.until(
      () => centre.syncs.length > recovered + 1 && centre.syncs.at(-1)!.body.status.buffered === 0,
      'the backlog sent',
      40_000,
    );
    const seqs = centre.results().map((r) => r.seq);
    // Resent until acknowledged (at least once on the wire), never out of order within a stream.
    const distinct = [...new Set(seqs)];
    expect(distinct).toEqual(Array.from({ length: distinct.length }, (_, i) => i + 1));
    const during = centre.results().filter((r) => r.result.startedAt > start && r.result.startedAt < recoveredAt);
    // Probed every 200 ms while no sync got through.
    expect(during.length).toBeGreaterThanOrEqual(Math.floor((recoveredAt - start) / 400));
    expect(logs.some((l) => /sync with the centre failed \(HTTP 503/.test(l))).toBe(true);
    expect(logs.some((l) => /synced with the centre again/.test(l))).toBe(true);
  }, 60_000);

  it("marks results while the vantage's reference checks are down, but never the reference checks' own", async () => {
    centre.assignment = assignment(
      'rev-ref',
      [
        { id: 'api', type: 'http', url: `${target.url}/` },
        { id: 'gw', type: 'tcp', host: '127.0.0.1', port: closedPort },
      ],
      ['gw'],
    );
    agent(centre.url).start();
    const offline = await centre.until(
      () => centre.syncs.find((s) => !s.body.status.online),
      'the agent saying its network is down',
    );
    expect(offline.body.status.reason).toMatch(/reference check gw down/);
    await centre.until(
      () => centre.results().some((r) => r.result.checkId === 'api' && r.result.observerOffline === true),
      'a result marked observerOffline',
    );
    expect(
      centre
        .results()
        .filter((r) => r.result.checkId === 'gw')
        .every((r) => r.result.observerOffline !== true),
    ).toBe(true);
  });

  it('writes its status file when what it says changes, not at every good sync', async () => {
    // No checks: nothing buffered, so a good sync changes nothing the file says.
    centre.assignment = assignment('rev-1', []);
    const a = agent(centre.url, { syncIntervalMs: 50 });
    a.start();
    const file = join(dir, 'agent', STATUS_FILE);
    const read = () => AgentStatusSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    await centre.until(() => centre.syncs.length >= 2, 'two syncs');
    await agentUntil(() => a.stats().connected, 'connected');
    const first = read();
    expect(first).toMatchObject({ connected: true, lastError: null });
    const synced = centre.syncs.length;
    await centre.until(() => centre.syncs.length >= synced + 5, 'five more syncs');
    expect(read().at).toBe(first.at);
    // A failed sync is said at once, and so is the link coming back.
    centre.failWith = 503;
    await agentUntil(() => !a.stats().connected, 'a failed sync');
    expect(read()).toMatchObject({ connected: false, lastError: expect.stringContaining('HTTP 503') });
    centre.failWith = null;
    await agentUntil(() => a.stats().connected, 'connected again');
    expect(read()).toMatchObject({ connected: true, lastError: null });
    await a.stop();
  });

  it('on stop: stops probing, writes the buffer, syncs once more, and says it stopped', async () => {
    centre.assignment = assignment('rev-1', [{ id: 'api', type: 'http', url: `${target.url}/` }]);
    const a = agent(centre.url, { syncIntervalMs: 3_600_000 });
    a.start();
    await centre.until(() => centre.syncs.length >= 1, 'the first sync');
    // An hour between syncs: results wait in the buffer until stop() sends them.
    const before = centre.syncs.length;
    expect(agentHealth(join(dir, 'agent'), 60_000)).toMatchObject({ healthy: true });
    await agentUntil(() => a.stats().buffered >= 3, 'three results buffered');
    const stopped = Date.now();
    await a.stop();
    expect(Date.now() - stopped).toBeLessThan(3_500);
    const last = centre.syncs.at(-1)!;
    expect(centre.syncs.length).toBe(before + 1);
    expect(last.results.length).toBeGreaterThan(0);
    expect(agentHealth(join(dir, 'agent'), 60_000)).toEqual({ healthy: false, message: 'the agent has stopped' });
  });
});

describe('agent back-off', () => {
  it('waits a uniform draw up to a cap that doubles from 1 s to 30 s', () => {
    const most = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => Math.round(backoffMs(n, most)))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(backoffMs(4, () => 0)).toBe(0);
    expect(backoffMs(3, () => 0.5)).toBe(2_000);
  });
});

describe("agent: the centre's beat", () => {
  it('sends the next sync at the slot less the round trip, at least half a period after the last and within a period and a half', () => {
    expect(nextSyncDelay(500, 4, 500)).toBe(496);
    expect(nextSyncDelay(700, 50, 750)).toBe(650);
    // A slot sooner than half a period away: the one after it.
    expect(nextSyncDelay(100, 4, 500)).toBe(596);
    expect(nextSyncDelay(0, 0, 500)).toBe(500);
    // A round trip longer than the wait: the slot after, still less the round trip.
    expect(nextSyncDelay(20, 120, 500)).toBe(400);
    // A far agent (a round trip over half the period) keeps its period: the next slot, not the one after.
    expect(nextSyncDelay(740, 400, 750)).toBe(340);
    expect(nextSyncDelay(499, 260, 500)).toBe(239);
    // Whatever the centre says, within the bounds; a period without a slot.
    expect(nextSyncDelay(3_600_000, 3, 500)).toBe(497);
    expect(nextSyncDelay(undefined, 3, 500)).toBe(500);
  });

  it('says how often it syncs, and waits for the slot the centre gives rather than its own period', async () => {
    // A slot 0.3 s away with a 1 s period is too soon: the agent takes the one after, about
    // 1.3 s after the first answer at the centre whatever the round trip (timers are never
    // early: no sooner than 1.2 s), where its own period would give 1 s.
    centre.nextInMs = 300;
    agent(centre.url, { syncIntervalMs: 1_000 }).start();
    await centre.until(() => centre.syncs.length >= 2, 'a second sync');
    expect(centre.syncs.map((s) => s.body.syncEveryMs)).toEqual([1_000, 1_000]);
    expect(centre.syncs[1]!.at - centre.syncs[0]!.at).toBeGreaterThanOrEqual(1_200);
  });
});

describe('agent HTTPS', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs.cleanup());

  it('trusts the system store by default and adds --ca-file', async () => {
    const tlsCentre = await new StandInCentre().start(certs.good);
    const body: AgentSyncRequest = {
      v: AGENT_PROTOCOL_VERSION,
      vantage: 'sg',
      agent: { version: 'test', stream: 'stream-tls-1', startedAt: Date.now() },
      sentAt: Date.now(),
      assignmentRev: null,
      results: encodeBatch([]),
      status: { buffered: 0, dropped: 0, online: true, reason: null },
    };
    const untrusted = new CentreClient({ centre: tlsCentre.url, token: TOKEN });
    const refused = await untrusted.sync(body);
    expect(refused).toMatchObject({ ok: false, status: null });
    expect((refused as { message: string }).message).toMatch(/certificate/i);
    await untrusted.close();
    const trusted = new CentreClient({ centre: tlsCentre.url, token: TOKEN, caFile: certs.caFile });
    expect(await trusted.sync(body)).toMatchObject({ ok: true, response: { ack: 0 } });
    await trusted.close();
    await tlsCentre.stop();
  });
});
