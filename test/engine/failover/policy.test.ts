import { describe, expect, it } from 'vitest';
import {
  INITIAL_POLICY_STATE,
  decide,
  type PolicyEvent,
  type PolicyRules,
  type PolicyState,
  type RunRequest,
} from '../../../src/engine/failover/policy.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const rules = (patch: Partial<PolicyRules> = {}): PolicyRules => ({
  mode: 'automatic',
  minVantages: 1,
  approvalTimeoutMs: 60_000,
  failback: { mode: 'automatic', rise: 3, holdMs: 10_000, afterFailure: 'automatic' },
  cooldownMs: 300_000,
  ...patch,
});

const down: PolicyEvent = { kind: 'observe', status: 'down', downVantages: 1, successes: 0, detail: 'check hk' };
const up = (successes: number): PolicyEvent => ({
  kind: 'observe',
  status: 'up',
  downVantages: 0,
  successes,
  detail: 'check hk',
});

/** Drives the policy like the module does, keeping every decision for assertions. */
class Driver {
  state: PolicyState = INITIAL_POLICY_STATE;
  readonly clock = new FakeClock();
  readonly steps: string[] = [];
  runs: RunRequest[] = [];
  lastRefusal: string | null = null;
  wake: number | null = null;
  readonly rules: PolicyRules;
  constructor(rules: PolicyRules) {
    this.rules = rules;
  }

  send(event: PolicyEvent) {
    const d = decide(this.state, event, this.rules, this.clock.now());
    this.state = d.state;
    this.steps.push(...d.audit.map((a) => a.step));
    if (d.run) this.runs.push(d.run);
    this.lastRefusal = d.refused;
    this.wake = d.wakeAt;
    return d;
  }

  finish(ok = true) {
    return this.send({ kind: 'run_finished', run: this.state.run, ok, message: ok ? 'done' : 'boom' });
  }

  async advance(ms: number) {
    await this.clock.advance(ms);
    return this.send({ kind: 'tick' });
  }
}

describe('failover policy decisions', () => {
  it('fails over once when the watched check goes down, and not again while failed over', () => {
    const p = new Driver(rules());
    p.send(up(1));
    expect(p.state.state).toBe('idle');
    const d = p.send(down);
    expect(d.state.state).toBe('running');
    expect(d.run).toEqual({ run: 1, direction: 'failover', reason: expect.stringContaining('down'), dryRun: false });
    expect(p.steps).toEqual(['decided']);
    p.finish();
    expect(p.state.state).toBe('failed_over');
    p.send(down);
    p.send(down);
    expect(p.runs).toHaveLength(1);
    expect(p.steps).toEqual(['decided', 'failed_over']);
  });

  it('needs at least k of n vantages to agree before failing over', () => {
    const p = new Driver(rules({ minVantages: 2 }));
    p.send({ ...down, downVantages: 1 } as PolicyEvent);
    expect(p.state.state).toBe('idle');
    p.send({ ...down, downVantages: 2 } as PolicyEvent);
    expect(p.state.state).toBe('running');
  });

  it('ignores degraded and unknown: only down by the rule triggers', () => {
    const p = new Driver(rules());
    p.send({ kind: 'observe', status: 'degraded', downVantages: 0, successes: 4, detail: 'x' });
    p.send({ kind: 'observe', status: 'unknown', downVantages: 0, successes: 0, detail: 'x' });
    expect(p.state.state).toBe('idle');
    expect(p.runs).toEqual([]);
  });

  it('fails back automatically only after rise successes and the hold time', async () => {
    const p = new Driver(rules());
    p.send(down);
    p.finish();
    p.send(up(1));
    p.send(up(2));
    await p.clock.advance(5_000);
    p.send(up(3));
    expect(p.state.state).toBe('failed_over');
    expect(p.wake).toBe(p.state.upSince! + 10_000);
    await p.advance(4_999);
    expect(p.state.state).toBe('failed_over');
    await p.advance(1);
    expect(p.state.state).toBe('failing_back');
    expect(p.runs.map((r) => r.direction)).toEqual(['failover', 'failback']);
    p.finish();
    expect(p.state.state).toBe('cooldown');
    expect(p.state.cooldownUntil).toBe(p.clock.now() + 300_000);
  });

  it('restarts the hold time when the primary fails again (flapping)', async () => {
    const p = new Driver(rules());
    p.send(down);
    p.finish();
    p.send(up(3));
    await p.clock.advance(9_000);
    p.send({ kind: 'observe', status: 'up', downVantages: 0, successes: 0, detail: 'x' });
    p.send({ kind: 'observe', status: 'down', downVantages: 1, successes: 0, detail: 'x' });
    expect(p.state.upSince).toBeNull();
    p.send(up(3));
    await p.advance(9_999);
    expect(p.state.state).toBe('failed_over');
    await p.advance(1);
    expect(p.state.state).toBe('failing_back');
  });

  it('never fails back automatically when failback is manual', async () => {
    const p = new Driver(rules({ failback: { mode: 'manual', rise: 1, holdMs: 0, afterFailure: 'automatic' } }));
    p.send(down);
    p.finish();
    p.send(up(50));
    await p.advance(3_600_000);
    expect(p.state.state).toBe('failed_over');
    expect(p.state.message).toContain('failback is manual');
    p.send({ kind: 'failback', by: 'ana' });
    expect(p.state.state).toBe('failing_back');
    expect(p.runs.at(-1)?.direction).toBe('failback');
  });

  it('does not switch again during the cooldown, however the primary flaps', async () => {
    const p = new Driver(rules({ failback: { mode: 'automatic', rise: 1, holdMs: 0, afterFailure: 'automatic' } }));
    p.send(down);
    p.finish();
    p.send(up(1));
    expect(p.state.state).toBe('failing_back');
    p.finish();
    for (let i = 0; i < 10; i++) {
      p.send(down);
      await p.clock.advance(10_000);
      p.send(up(1));
    }
    expect(p.state.state).toBe('cooldown');
    expect(p.runs).toHaveLength(2);
    expect(p.steps.filter((s) => s === 'suppressed')).toHaveLength(10);
  });

  it('fails over again at the end of the cooldown when still down', async () => {
    const p = new Driver(
      rules({ failback: { mode: 'manual', rise: 1, holdMs: 0, afterFailure: 'automatic' }, cooldownMs: 60_000 }),
    );
    p.send(down);
    p.finish();
    p.send({ kind: 'failback', by: 'ana' });
    p.finish();
    p.send(down);
    expect(p.state.state).toBe('cooldown');
    expect(p.wake).toBe(p.state.cooldownUntil);
    await p.advance(59_999);
    expect(p.state.state).toBe('cooldown');
    await p.advance(1);
    expect(p.state.state).toBe('running');
    expect(p.steps).toContain('cooldown_ended');
  });

  it('asks for approval, runs only when approved', () => {
    const p = new Driver(rules({ mode: 'approval' }));
    const d = p.send(down);
    expect(d.state.state).toBe('awaiting_approval');
    expect(d.state.approval).toEqual({
      requestedAt: p.clock.now(),
      expiresAt: p.clock.now() + 60_000,
      reason: expect.any(String),
    });
    expect(d.run).toBeNull();
    expect(d.wakeAt).toBe(p.clock.now() + 60_000);
    p.send({ kind: 'approve', by: 'ana' });
    expect(p.state.state).toBe('running');
    expect(p.state.approval).toBeNull();
    expect(p.steps).toEqual(['approval_requested', 'approved', 'decided']);
  });

  it('lets an approval request expire, and does not ask again until the primary was up', async () => {
    const p = new Driver(rules({ mode: 'approval' }));
    p.send(down);
    await p.advance(60_000);
    expect(p.state.state).toBe('idle');
    expect(p.steps).toEqual(['approval_requested', 'approval_expired']);
    p.send({ kind: 'approve', by: 'late' });
    expect(p.lastRefusal).toContain('nothing to approve');
    p.send(down);
    expect(p.state.state).toBe('idle');
    p.send(up(1));
    p.send(down);
    expect(p.state.state).toBe('awaiting_approval');
    expect(p.runs).toEqual([]);
  });

  it('refuses an approval arriving after the expiry even before the tick', async () => {
    const p = new Driver(rules({ mode: 'approval' }));
    p.send(down);
    await p.clock.advance(60_000);
    p.send({ kind: 'approve', by: 'ana' });
    expect(p.lastRefusal).toBe('the approval request has expired');
    expect(p.state.state).toBe('idle');
  });

  it('rejects: nothing runs, and the request is withdrawn when the primary recovers', () => {
    const p = new Driver(rules({ mode: 'approval' }));
    p.send(down);
    p.send({ kind: 'reject', by: 'ana' });
    expect(p.state.state).toBe('idle');
    p.send(up(1));
    p.send(down);
    expect(p.state.state).toBe('awaiting_approval');
    p.send(up(1));
    expect(p.state.state).toBe('idle');
    expect(p.steps).toEqual(['approval_requested', 'rejected', 'approval_requested', 'approval_cancelled']);
    expect(p.runs).toEqual([]);
  });

  it('dry run decides the same way and marks its runs as dry', () => {
    const p = new Driver(rules({ mode: 'dry_run' }));
    p.send(down);
    expect(p.runs[0]).toMatchObject({ direction: 'failover', dryRun: true });
    p.finish();
    expect(p.state.state).toBe('failed_over');
    expect(p.state.message).toMatch(/^dry run/);
  });

  it('goes to failed when a run fails, and with after_failure manual waits for an engineer', () => {
    const p = new Driver(rules({ failback: { mode: 'automatic', rise: 3, holdMs: 0, afterFailure: 'manual' } }));
    p.send(down);
    p.finish(false);
    expect(p.state.state).toBe('failed');
    expect(p.state.message).toContain('boom');
    p.send(up(10));
    expect(p.state.message).toContain('fail back by hand (after_failure: manual)');
    p.send(down);
    expect(p.runs).toHaveLength(1);
    p.send({ kind: 'start', by: 'ana', reason: 'retry' });
    expect(p.state.state).toBe('running');
    expect(p.runs).toHaveLength(2);
  });

  it('after a failed failover rolls back to the primary once it is healthy again by rise, never before', () => {
    const p = new Driver(rules({ failback: { mode: 'manual', rise: 3, holdMs: 600_000, afterFailure: 'automatic' } }));
    p.send(down);
    p.finish(false);
    p.send(up(1));
    p.send(up(2));
    expect(p.state.state).toBe('failed');
    p.send(up(3));
    expect(p.state.state).toBe('failing_back');
    expect(p.runs.at(-1)).toMatchObject({ run: 2, direction: 'failback' });
    expect(p.runs.at(-1)!.reason).toMatch(/^rolling back to the primary/);
    p.finish();
    expect(p.state.state).toBe('cooldown');
  });

  it('when the backup dies while traffic is on it: says so once, and rolls back as soon as the primary is up', () => {
    const p = new Driver(rules({ failback: { mode: 'manual', rise: 2, holdMs: 600_000, afterFailure: 'automatic' } }));
    p.send({ kind: 'backup', status: 'up', detail: 'check sg' });
    p.send(down);
    p.finish();
    expect(p.state.state).toBe('failed_over');
    p.send({ kind: 'backup', status: 'down', detail: 'check sg' });
    p.send({ kind: 'backup', status: 'down', detail: 'check sg' });
    expect(p.steps.filter((s) => s === 'backup_down')).toHaveLength(1);
    expect(p.state.message).toBe('traffic may be on the backup (check sg), which is down');
    expect(p.state.state).toBe('failed_over');
    p.send(up(1));
    expect(p.state.state).toBe('failed_over');
    p.send(up(2));
    expect(p.state.state).toBe('failing_back');
    expect(p.runs.at(-1)!.reason).toContain('traffic is on the backup (check sg), which is down');
  });

  it('keeps every note of one outage in one episode, from the first step to the end of the cooldown', async () => {
    const p = new Driver(rules({ failback: { mode: 'automatic', rise: 1, holdMs: 0, afterFailure: 'automatic' } }));
    const episodes: (number | null)[] = [];
    const send = (event: PolicyEvent) => episodes.push(...p.send(event).audit.map((a) => a.episode));
    send(down);
    const first = p.state.episode!.startedAt;
    await p.clock.advance(1_000);
    send({ kind: 'run_finished', run: 1, ok: true, message: 'done' });
    send(up(1));
    send({ kind: 'run_finished', run: 2, ok: true, message: 'back' });
    expect(p.state.state).toBe('cooldown');
    expect(p.state.episode!.startedAt).toBe(first);
    await p.clock.advance(300_000);
    episodes.push(...p.send({ kind: 'tick' }).audit.map((a) => a.episode));
    expect(p.state.state).toBe('idle');
    expect(p.state.episode).toBeNull();
    expect(episodes).toEqual([first, first, first, first, first]);
    await p.clock.advance(1_000);
    const next = p.send(down);
    expect(next.audit[0]!.episode).toBe(p.clock.now());
    expect(next.audit[0]!.episode).not.toBe(first);
  });

  it('takes up a run interrupted by a restart when its audit says it can, with the same run number', () => {
    const p = new Driver(rules());
    p.send(down);
    const d = p.send({ kind: 'restored', resume: { ok: true, why: '1 of 2 actions had run; taking up from slack' } });
    expect(d.run).toMatchObject({ run: 1, direction: 'failover', resume: true });
    expect(p.state.state).toBe('running');
    expect(p.steps).toEqual(['decided', 'restored', 'resumed']);
    p.send({ kind: 'run_finished', run: 1, ok: false, message: 'stopped', interrupted: true });
    expect(p.state.state).toBe('running');
  });

  it('ignores the result of a run that is not the current one', () => {
    const p = new Driver(rules());
    p.send(down);
    p.send({ kind: 'run_finished', run: 99, ok: true, message: 'stale' });
    expect(p.state.state).toBe('running');
  });

  it('turns a run interrupted by a restart into failed, never into a second run', () => {
    const p = new Driver(rules());
    p.send(down);
    p.send({ kind: 'restored' });
    expect(p.state.state).toBe('failed');
    expect(p.steps).toContain('interrupted');
    p.send(down);
    expect(p.runs).toHaveLength(1);
  });

  it('keeps failed_over across a restart and forgets stale observations', () => {
    const p = new Driver(rules());
    p.send(down);
    p.finish();
    p.send(up(3));
    p.send({ kind: 'restored' });
    expect(p.state).toMatchObject({ state: 'failed_over', upSince: null, successes: 0 });
    p.send(down);
    expect(p.runs).toHaveLength(1);
  });

  it('refuses manual requests that make no sense in the current state', () => {
    const p = new Driver(rules());
    p.send({ kind: 'failback', by: 'ana' });
    expect(p.lastRefusal).toBe('nothing to fail back: the policy is idle');
    p.send({ kind: 'reject', by: 'ana' });
    expect(p.lastRefusal).toBe('nothing to reject: the policy is idle');
    p.send({ kind: 'start', by: 'ana', reason: 'drill' });
    expect(p.state.state).toBe('running');
    p.send({ kind: 'start', by: 'ana', reason: 'again' });
    expect(p.lastRefusal).toBe('a run is in progress (running)');
  });

  it('never fails over onto a backup it sees down: refused once, decided when the backup returns', () => {
    const p = new Driver(rules());
    p.send({ kind: 'backup', status: 'down', detail: 'check sg' });
    p.send(down);
    p.send(down);
    expect(p.runs).toEqual([]);
    expect(p.state).toMatchObject({ state: 'idle', refusedBackup: true });
    expect(p.state.message).toContain('the backup (check sg) is down too');
    expect(p.steps).toEqual(['refused']);
    // The backup comes back while the primary is still down: the failover is decided now.
    p.send({ kind: 'backup', status: 'up', detail: 'check sg' });
    expect(p.runs).toHaveLength(1);
    expect(p.steps).toEqual(['refused', 'decided']);
  });

  it('refuses an approval or a manual start onto a dead backup, and says why', () => {
    const p = new Driver(rules({ mode: 'approval' }));
    p.send(down);
    expect(p.state.state).toBe('awaiting_approval');
    p.send({ kind: 'backup', status: 'down', detail: 'check sg' });
    p.send({ kind: 'approve', by: 'ana' });
    expect(p.lastRefusal).toContain('is down too');
    expect(p.state.state).toBe('awaiting_approval');
    p.send({ kind: 'reject', by: 'ana' });
    p.send({ kind: 'start', by: 'ana', reason: 'HK is gone' });
    expect(p.lastRefusal).toContain('is down too');
    expect(p.runs).toEqual([]);
  });
});
