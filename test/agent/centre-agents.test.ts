/**
 * A centre (`knockon serve`) and two probe agents (`knockon agent`, vantages sg and tyo) as
 * separate processes on loopback, probing a local HTTP target and a closed port: the board
 * shows the per-vantage matrix; tokens are bound to their vantage; a centre killed with SIGKILL
 * and restarted while the agents probe ends with every result in its database exactly once and
 * one incident; an agent restarted while the centre is down probes its stored assignment and
 * its backlog arrives in order.
 *
 * The tests run in order and share the processes (started once for the file).
 */
import { request } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_PROTOCOL_VERSION, AGENT_SYNC_PATH, encodeBatch } from '../../src/shared/agent-protocol.ts';
import type { BoardSnapshot, CheckView } from '../../src/shared/model.ts';
import { BoardWatch, startAgentsLab, vantageWithToken, type AgentsLab, type LabAgent } from '../support/agents-lab.ts';
import { HttpTarget } from '../support/http-target.ts';
import { freePort } from '../support/ports.ts';

const SG_TOKEN = 'kna_sg-token-for-the-agents-test';

let target: HttpTarget;
let lab: AgentsLab;
let sg: LabAgent;
let tyo: LabAgent;

const check = (board: BoardSnapshot, id: string): CheckView | undefined => board.checks.find((c) => c.id === id);
const at = (view: CheckView | undefined, vantage: string) => view?.vantages?.find((v) => v.vantage === vantage);

/** Rows of the centre's results table, per vantage ('' is the centre itself), in the order written. */
function centreResults(vantage: string): { checkId: string; startedAt: number }[] {
  const db = new DatabaseSync(lab.centre.dbPath, { readOnly: true });
  try {
    return db
      .prepare(
        'SELECT c.id AS checkId, r.started_at AS startedAt FROM results r JOIN checks c ON c.key = r.check_key ' +
          'WHERE c.vantage = ? ORDER BY r.rowid',
      )
      .all(vantage) as { checkId: string; startedAt: number }[];
  } finally {
    db.close();
  }
}

/** What an agent's buffer says once the agent has stopped: its stream, next sequence and unacknowledged rows. */
function agentBuffer(agent: LabAgent): { stream: string; next: number; waiting: number[] } {
  const db = new DatabaseSync(join(agent.dataDir, 'agent.db'), { readOnly: true });
  try {
    const meta = (key: string) =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
    const waiting = (db.prepare('SELECT seq FROM results ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
    return { stream: meta('stream'), next: Number(meta('next_seq')), waiting };
  } finally {
    db.close();
  }
}

function sync(token: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(lab.centre.url + AGENT_SYNC_PATH, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** One request with the headers fetch() will not send (Host); resolves with the status. */
function raw(method: string, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: lab.centre.port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function syncBody(vantage: string) {
  return {
    v: AGENT_PROTOCOL_VERSION,
    vantage,
    agent: { version: 'test', stream: 'stream-test-only', startedAt: Date.now() },
    sentAt: Date.now(),
    assignmentRev: null,
    results: encodeBatch([]),
    status: { buffered: 0, dropped: 0, online: true, reason: null },
  };
}

beforeAll(async () => {
  target = await new HttpTarget().start();
  const closed = await freePort();
  lab = await startAgentsLab({
    config: `
defaults: { interval: 500ms, timeout: 400ms, fall: 1, rise: 1 }
vantages:
${vantageWithToken('sg', SG_TOKEN)}
  - { id: tyo, name: TYO, offline_after: 5s }
checks:
  - { id: api, type: http, url: "${target.url}/", vantages: [local, sg, tyo] }
  - { id: gone, type: tcp, host: 127.0.0.1, port: ${closed}, vantages: [local, sg, tyo] }
alerts:
  - { name: GoneDown, condition: down, on: checks, ids: [gone], severity: critical }
`,
    agents: [{ vantage: 'sg', token: SG_TOKEN, args: ['--sync-interval', '200ms'] }],
    startAgents: false,
    // The agents sync on the centre's agent port (served by its engine thread); the raw syncs
    // below go through the board's port, so both doors are taken by real processes here.
    agentPort: true,
  });
  sg = lab.agents.get('sg')!;
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  await target?.stop();
});

describe('centre and agents as processes', () => {
  it('takes a token made with "knockon agent-token create" while the centre runs', async () => {
    const made = await lab.centre.agentToken(['create', '--vantage', 'tyo', '--name', 'tyo agent']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^kna_/);
    expect(made.stderr).toMatch(/not shown again/);
    const listed = await lab.centre.agentToken(['list']);
    expect(listed.stdout).toMatch(/t_[0-9a-f]{8}\s+tyo\s+active/);
    expect(listed.stdout).not.toContain(token);
    tyo = lab.addAgent({ vantage: 'tyo', token, args: ['--sync-interval', '200ms'] });
    await Promise.all([sg.up(), tyo.up()]);
    await tyo.waitForLine(/assignment \w+: probing 2 checks/, 'its assignment');
    await sg.waitForLine(/assignment \w+: probing 2 checks/, 'its assignment');
    // Through the agent port, a port of its own that serves no board.
    expect(lab.centre.agentsUrl).not.toBe(lab.centre.url);
    expect(sg.spec.args).toContain(lab.centre.agentsUrl);
    expect((await fetch(lab.centre.agentsUrl + '/api/snapshot')).status).toBe(404);
  });

  it('shows results from every vantage on the board: the per-vantage matrix and the links', async () => {
    const watch = new BoardWatch(lab.centre.url);
    try {
      await watch.until((b) => {
        const api = check(b, 'api');
        return ['local', 'sg', 'tyo'].every((v) => at(api, v)?.status === 'up' && at(api, v)?.voting);
      }, 'api up and voting at local, sg and tyo');
      await watch.until((b) => check(b, 'gone')?.quorum?.failing.length === 3, 'gone failing at all three');
    } finally {
      await watch.close();
    }
    const board = await lab.centre.get<BoardSnapshot>('/api/snapshot');
    const api = check(board, 'api')!;
    expect(api.status).toBe('up');
    expect(api.quorum).toMatchObject({ of: 3, voters: 3, failing: [], held: false });
    expect(api.vantages!.map((v) => v.vantage)).toEqual(['local', 'sg', 'tyo']);
    expect(check(board, 'gone')).toMatchObject({ status: 'down', quorum: { failing: ['local', 'sg', 'tyo'] } });
    const agents = board.vantages!.filter((v) => v.kind === 'agent');
    expect(agents.map((v) => [v.id, v.online, v.link?.connected, v.link?.checks])).toEqual([
      ['sg', true, true, 2],
      ['tyo', true, true, 2],
    ]);
  });

  it('refuses a token for sg reporting as tyo (403) and logs both ids and the address', async () => {
    const from = lab.centre.lines.length;
    const res = await sync(SG_TOKEN, syncBody('tyo'));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'this token is bound to vantage sg, not tyo' });
    await lab.centre.waitForLine(
      /refused a sync from 127\.0\.0\.1: token config:sg is bound to vantage sg, but it reports as tyo/,
      'the refusal in the log',
      10_000,
      from,
    );
  });

  it('answers 401 to an unknown token, 400 naming the field, and refuses browsers', async () => {
    const unknown = await sync('kna_nobody-has-this', syncBody('sg'));
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: 'unknown agent token' });
    const none = await fetch(lab.centre.url + AGENT_SYNC_PATH, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const bad = await sync(SG_TOKEN, { ...syncBody('sg'), sentAt: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^invalid sync: sentAt: /);
    const browser = await sync(SG_TOKEN, syncBody('sg'), { origin: 'https://evil.example' });
    expect(browser.status).toBe(403);
    // Agents call the centre by its public name, which the board's Host check refuses.
    const host = 'centre.noc.example';
    const byName = await raw('POST', AGENT_SYNC_PATH, JSON.stringify(syncBody('sg')), {
      host,
      authorization: `Bearer ${SG_TOKEN}`,
      'content-type': 'application/json',
    });
    expect(byName).toBe(200);
    expect(await raw('GET', '/api/snapshot', '', { host })).toBe(421);
  });

  it('after a SIGKILL of the centre and a restart, has every result exactly once and no second incident', async () => {
    const watch = new BoardWatch(lab.centre.url);
    await watch.until((b) => b.incidents.some((i) => i.state === 'open'), 'the incident for gone');
    await watch.close();
    const before = (await lab.centre.get<BoardSnapshot>('/api/snapshot')).incidents.filter((i) => i.state === 'open');
    expect(before).toHaveLength(1);

    const sgFrom = sg.lines.length;
    const tyoFrom = tyo.lines.length;
    expect((await lab.centre.kill('SIGKILL')).signal).toBe('SIGKILL');
    await Promise.all([
      sg.waitForLine(/sync with the centre failed/, 'a failed sync', 15_000, sgFrom),
      tyo.waitForLine(/sync with the centre failed/, 'a failed sync', 15_000, tyoFrom),
    ]);
    await lab.centre.up();
    await Promise.all([
      sg.waitForLine(/synced with the centre again/, 'the centre back', 40_000, sgFrom),
      tyo.waitForLine(/synced with the centre again/, 'the centre back', 40_000, tyoFrom),
    ]);
    const after = new BoardWatch(lab.centre.url);
    try {
      await after.until((b) => {
        const api = check(b, 'api');
        return at(api, 'sg')?.voting && at(api, 'tyo')?.voting;
      }, 'sg and tyo voting again');
      // Enough results on the centre's disk for "exactly once" below to say something, however
      // fast this machine brought the agents to this point (re-tested with each delta).
      await after.until(
        () => centreResults('sg').length > 10 && centreResults('tyo').length > 10,
        'more than ten results from each agent on the centre',
        20_000,
      );
    } finally {
      await after.close();
    }
    // SIGTERM: each agent writes its buffer and syncs a last time, then exits 0.
    expect((await sg.kill('SIGTERM')).code).toBe(0);
    expect((await tyo.kill('SIGTERM')).code).toBe(0);

    for (const agent of [sg, tyo]) {
      const buffer = agentBuffer(agent);
      const status = agent.status()!;
      expect(status).toMatchObject({ state: 'stopped', dropped: 0 });
      const produced = buffer.next - 1;
      const acknowledged = produced - buffer.waiting.length;
      const rows = centreResults(agent.vantage);
      const keys = rows.map((r) => `${r.checkId}@${r.startedAt}`);
      // Exactly once: as many rows as results acknowledged, no two alike.
      expect(new Set(keys).size).toBe(keys.length);
      expect(rows.length).toBe(acknowledged);
      expect(acknowledged).toBeGreaterThan(10);
    }
    const db = new DatabaseSync(lab.centre.dbPath, { readOnly: true });
    const incidents = db.prepare('SELECT id, header FROM incidents').all() as { id: string; header: string }[];
    db.close();
    expect(incidents.map((i) => i.id)).toEqual(before.map((i) => i.id));
    const open = (await lab.centre.get<BoardSnapshot>('/api/snapshot')).incidents.filter((i) => i.state === 'open');
    expect(open.map((i) => i.id)).toEqual(before.map((i) => i.id));
  }, 120_000);

  it('restarts an agent while the centre is down: it probes its stored assignment, and the backlog arrives in order', async () => {
    const { stream } = agentBuffer(sg);
    expect((await lab.centre.kill('SIGTERM')).code).toBe(0);
    const downAt = Date.now();
    const from = sg.lines.length;
    await sg.up();
    await sg.waitForLine(/probing 2 checks from the stored assignment/, 'the stored assignment', 10_000, from);
    await sg.waitForLine(new RegExp(`stream ${stream.replace(/[-]/g, '\\-')},`), 'the same stream', 10_000, from);
    await sg.statusUntil((s) => s.buffered >= 8 && !s.connected, 'a backlog while the centre is down');
    const upAt = Date.now();
    await lab.centre.up();
    await sg.waitForLine(/synced with the centre again/, 'the centre back', 40_000, from);
    // Acknowledged with the centre's next group commit, while new results keep coming: the
    // results of the outage are what must arrive.
    const during = (rows: { startedAt: number }[]) => rows.filter((r) => r.startedAt > downAt && r.startedAt < upAt);
    await sg.statusUntil((s) => s.connected && during(centreResults('sg')).length >= 8, 'the backlog acknowledged');
    const rows = centreResults('sg');
    const outage = during(rows);
    expect(outage.length).toBeGreaterThanOrEqual(8);
    for (const id of ['api', 'gone']) {
      // In the order probed: the rows of each check were written oldest first.
      const times = rows.filter((r) => r.checkId === id).map((r) => r.startedAt);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
    const keys = rows.map((r) => `${r.checkId}@${r.startedAt}`);
    expect(new Set(keys).size).toBe(keys.length);
  }, 120_000);
});
