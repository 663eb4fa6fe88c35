import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine, type CheckUpdate, type QuorumChange } from '../../../src/engine/engine.ts';
import type { AgentLinkView, ProbeResult } from '../../../src/shared/model.ts';
import type { BoardMessage } from '../../../src/shared/protocol.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const CONFIG = `
defaults: { interval: 10s, timeout: 2s, fall: 1, rise: 1 }
vantages:
  - { id: sg, name: Singapore, offline_after: 15s, reference_checks: [sg-gw] }
  - { id: tyo, name: Tokyo, offline_after: 15s }
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, vantages: [local, sg, tyo], quorum: majority }
  - { id: sg-gw, type: tcp, host: 127.0.0.1, port: 2, vantages: [sg] }
  - { id: solo, type: tcp, host: 127.0.0.1, port: 3 }
`;

function link(clock: FakeClock, extra: Partial<AgentLinkView> = {}): AgentLinkView {
  return {
    connected: true,
    lastSeenAt: clock.now(),
    skewMs: 0,
    buffered: 0,
    dropped: 0,
    version: 'test',
    checks: 1,
    ...extra,
  };
}

function result(checkId: string, ok: boolean, at: number): ProbeResult {
  return {
    checkId,
    startedAt: at,
    ok,
    latencyMs: ok ? 5 : null,
    errorClass: ok ? null : 'connect_refused',
    message: ok ? 'connected' : 'refused',
  };
}

function rig() {
  const clock = new FakeClock(1_800_000_000_000);
  const local = new Map<string, boolean>([
    ['api', true],
    ['solo', true],
  ]);
  const updates: CheckUpdate[] = [];
  const changes: QuorumChange[] = [];
  const messages: BoardMessage[] = [];
  const engine = new Engine({
    clock,
    emit: (m) => messages.push(m),
    probe: async (check) => result(check.id, local.get(check.id) ?? true, clock.now()),
  });
  engine.use({
    name: 'spy',
    onCheckUpdate: (u) => updates.push(u),
    onQuorumChange: (c) => changes.push(c),
  });
  const outcome = parseConfigText(CONFIG, 'vantages.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  engine.applyConfig(outcome.config, 'vantages.yaml');
  const sync = (vantage: string, results: [string, boolean][]) => {
    engine.setAgentLink(vantage, link(clock), { online: true, reason: null });
    return engine.ingest(
      vantage,
      results.map(([id, ok]) => result(id, ok, clock.now())),
    );
  };
  const view = (id: string) => engine.snapshot().checks.find((c) => c.id === id)!;
  return { clock, engine, local, sync, view, updates, changes, messages };
}

/** Ten seconds on, then one sync from each agent: what sg and tyo see of api (and sg of its gateway). */
async function agentsSee(r: ReturnType<typeof rig>, sees: { sg: boolean; tyo: boolean; gateway?: boolean }) {
  await r.clock.advance(10_000);
  r.sync('sg', [
    ['sg-gw', sees.gateway ?? true],
    ['api', sees.sg],
  ]);
  r.sync('tyo', [['api', sees.tyo]]);
}

describe('engine: every result keyed by (check, vantage), decided by a quorum', () => {
  it('shows a check down from one vantage of three as a path problem, not down', async () => {
    const r = rig();
    await agentsSee(r, { sg: false, tyo: true });
    const api = r.view('api');
    expect(api.status).toBe('up');
    expect(api.quorum).toMatchObject({ voters: 3, of: 3, failing: ['sg'], pathProblem: true, held: false });
    expect(api.vantages!.map((v) => [v.vantage, v.status, v.voting])).toEqual([
      ['local', 'up', true],
      ['sg', 'down', true],
      ['tyo', 'up', true],
    ]);
    // sg's failing result is not evidence about the target: analysis is not told to blame it.
    const sgUpdate = r.updates.find((u) => u.vantage === 'sg' && u.check.id === 'api')!;
    expect(sgUpdate.evidence).toBeNull();
    expect(sgUpdate.result.vantage).toBe('sg');
    expect(r.engine.failingVantages('api')).toEqual(['sg']);
    await r.engine.stop();
  });

  it('calls it down when a majority sees it down, and says which vantages', async () => {
    const r = rig();
    await agentsSee(r, { sg: false, tyo: false });
    expect(r.view('api')).toMatchObject({ status: 'down', quorum: { failing: ['sg', 'tyo'], pathProblem: false } });
    const last = r.updates.at(-1)!;
    expect(last.evidence).toBe(last.result);
    expect(last.state.status).toBe('down');
    await r.engine.stop();
  });

  it("gives a multi-vantage check the median of its vantages' latencies, not the last one's", async () => {
    const r = rig();
    await r.clock.advance(10_000);
    const timed = (vantage: string, ms: number) => {
      r.engine.setAgentLink(vantage, link(r.clock), { online: true, reason: null });
      r.engine.ingest(vantage, [{ ...result('api', true, r.clock.now()), latencyMs: ms }]);
    };
    timed('sg', 3);
    // Tokyo is slow to reach it (and answers last): the check's figure stays the middle one.
    timed('tyo', 450);
    const api = r.view('api');
    expect(api.vantages!.map((v) => [v.vantage, v.latencyMs])).toEqual([
      ['local', 5],
      ['sg', 3],
      ['tyo', 450],
    ]);
    expect(api.latencyMs).toBe(5);
    // A vantage that sees it down times a failure, not the service: of the two left, their mean.
    r.engine.ingest('tyo', [{ ...result('api', false, r.clock.now()), latencyMs: 1 }]);
    expect(r.view('api').latencyMs).toBe(4);
    await r.engine.stop();
  });

  it('stops counting an agent that goes quiet, and holds the decision when too few remain', async () => {
    const r = rig();
    await agentsSee(r, { sg: false, tyo: false });
    expect(r.view('api').status).toBe('down');
    // The agents go quiet; this machine keeps seeing it up. Once both links are stale, local
    // alone is a majority of the voters left: up again, told to the modules without a result.
    await r.clock.advance(16_000);
    const vantages = r.engine.snapshot().vantages!;
    expect(vantages.map((v) => [v.id, v.online])).toEqual([
      ['local', true],
      ['sg', false],
      ['tyo', false],
    ]);
    expect(vantages[1]!.reason).toContain('no sync from the agent for more than 15 s');
    expect(r.view('api')).toMatchObject({ status: 'up', quorum: { voters: 1, held: false } });
    expect(r.changes.map((c) => [c.check.id, c.previous.status, c.state.status])).toContainEqual(['api', 'down', 'up']);
    await r.engine.stop();
  });

  it('excludes a vantage whose reference checks are down: its failures are its own', async () => {
    const r = rig();
    await agentsSee(r, { sg: false, tyo: false, gateway: false });
    const sg = r.engine.snapshot().vantages!.find((v) => v.id === 'sg')!;
    expect(sg).toMatchObject({ online: false });
    expect(sg.reason).toContain("Singapore's own network");
    // local up, tyo down, sg not voting: one of two is not a majority.
    expect(r.view('api')).toMatchObject({ status: 'up', quorum: { voters: 2, failing: ['tyo'], pathProblem: true } });
    // The reference check itself still shows what sg sees.
    expect(r.view('sg-gw').status).toBe('down');
    await r.engine.stop();
  });

  it('does not vote results marked as taken while the observer was offline', async () => {
    const r = rig();
    await r.clock.advance(10_000);
    r.engine.setAgentLink('sg', link(r.clock), { online: true, reason: null });
    r.engine.ingest('sg', [{ ...result('api', false, r.clock.now()), observerOffline: true }]);
    const api = r.view('api');
    expect(api.vantages!.find((v) => v.vantage === 'sg')).toMatchObject({ status: 'unknown', voting: false });
    expect(api.status).toBe('up');
    await r.engine.stop();
  });

  it('drops results for checks an agent is not assigned, and from unknown vantages', async () => {
    const r = rig();
    await r.clock.advance(10_000);
    expect(r.sync('tyo', [['solo', false]])).toBe(0);
    expect(r.engine.ingest('nowhere', [result('api', false, r.clock.now())])).toBe(0);
    expect(r.engine.ingest('local', [result('api', false, r.clock.now())])).toBe(0);
    expect(r.engine.unassignedResults()).toBe(1);
    expect(r.view('solo')).toMatchObject({ status: 'up' });
    expect(r.view('solo').vantages).toBeUndefined();
    await r.engine.stop();
  });

  it('keeps a single-vantage check exactly as before: its own state, no matrix', async () => {
    const r = rig();
    r.local.set('solo', false);
    await r.clock.advance(10_000);
    const solo = r.view('solo');
    expect(solo).toMatchObject({ status: 'down', consecutiveFailures: 1 });
    expect(solo.quorum).toBeUndefined();
    expect(r.engine.failingVantages('solo')).toEqual(['local']);
    await r.engine.stop();
  });
});

describe('engine: an agent clock far ahead', () => {
  it('keeps a result stamped in the future fresh only as long as one stamped now', async () => {
    const r = rig();
    await r.clock.advance(10_000);
    r.engine.setAgentLink('tyo', link(r.clock), { online: true, reason: null });
    r.engine.ingest('tyo', [result('api', false, r.clock.now() + 3_600_000)]);
    r.engine.setAgentLink('sg', link(r.clock), { online: true, reason: null });
    r.engine.ingest('sg', [result('sg-gw', true, r.clock.now()), result('api', false, r.clock.now())]);
    expect(r.view('api').status).toBe('down');
    // 2 × 10 s + 2 s + 5 s later tyo's vote is stale, whatever its stamp said; the links stay up.
    for (let i = 0; i < 28; i++) {
      await r.clock.advance(1_000);
      r.engine.setAgentLink('tyo', link(r.clock), { online: true, reason: null });
      r.engine.setAgentLink('sg', link(r.clock), { online: true, reason: null });
    }
    expect(r.view('api').vantages!.find((v) => v.vantage === 'tyo')!.voting).toBe(false);
    await r.engine.stop();
  });
});

describe("engine: an agent's sync goes to the board with the beat's other syncs", () => {
  it('sends the delta 25 ms after the first sync of a beat, with those that come within it, and still at most one delta per 250 ms', async () => {
    const { clock, engine, messages } = rig();
    await clock.advance(10_000);
    const deltas = () => messages.filter((m) => m.kind === 'delta');
    const touched = (m: BoardMessage | undefined) =>
      m?.kind === 'delta' ? [...m.checks.map((c) => c.id), ...m.patches.map((p) => p.id)] : [];
    const before = deltas().length;
    engine.setAgentLink('sg', link(clock), { online: true, reason: null });
    engine.ingest('sg', [result('sg-gw', false, clock.now())]);
    // The other agent of the same beat, a few ms later: the same delta, not 250 ms after it.
    await clock.advance(4);
    engine.setAgentLink('tyo', link(clock), { online: true, reason: null });
    engine.ingest('tyo', [result('api', false, clock.now())]);
    await clock.advance(20);
    expect(deltas()).toHaveLength(before);
    await clock.advance(1);
    expect(deltas()).toHaveLength(before + 1);
    expect(touched(deltas().at(-1))).toEqual(expect.arrayContaining(['sg-gw', 'api']));
    await clock.advance(75);
    engine.setAgentLink('tyo', link(clock), { online: true, reason: null });
    engine.ingest('tyo', [result('api', false, clock.now())]);
    expect(deltas()).toHaveLength(before + 1);
    // 250 ms after the last delta, not 25 ms after this sync.
    await clock.advance(174);
    expect(deltas()).toHaveLength(before + 1);
    await clock.advance(1);
    expect(deltas()).toHaveLength(before + 2);
    expect(touched(deltas().at(-1))).toContain('api');
    await engine.stop();
  });
});

describe('engine: a reload that changes only the quorum rule', () => {
  it('shows the new rule at once, with the same votes and decision', async () => {
    const r = rig();
    await agentsSee(r, { sg: true, tyo: true });
    expect(r.view('api').quorum!.rule).toBe('majority of 3');
    const outcome = parseConfigText(CONFIG.replace('quorum: majority', 'quorum: { k_of_n: 2 }'), 'vantages.yaml');
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    r.engine.applyConfig(outcome.config, 'vantages.yaml');
    expect(r.view('api').quorum).toMatchObject({ rule: '2 of 3', voters: 3, held: false });
    await r.engine.stop();
  });
});
