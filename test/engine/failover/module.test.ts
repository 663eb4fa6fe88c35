import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * The module inside a real engine (no worker), with real HTTP servers as targets and the real
 * store in memory: the wiring the end-to-end test does not reach (components, the vantage, a
 * run interrupted by a restart).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { systemClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { FailoverModule } from '../../../src/engine/failover/module.ts';
import { INITIAL_POLICY_STATE } from '../../../src/engine/failover/policy.ts';
import { installModules } from '../../../src/engine/modules.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { HistoryStore } from '../../../src/engine/store/index.ts';
import type { BoardMessage } from '../../../src/shared/protocol.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { Changes } from '../../support/wait.ts';
import { ADMIN } from '../../support/actors.ts';

interface Rig {
  engine: Engine;
  module: FailoverModule;
  store: HistoryStore;
  rpc: RpcRegistry;
  until<T>(what: string, test: () => T | undefined | null | false): Promise<T>;
}

const rigs: { engine: Engine; store: { close(): void | Promise<void> } }[] = [];
const targets: HttpTarget[] = [];

async function target(): Promise<HttpTarget> {
  const t = await new HttpTarget().start();
  targets.push(t);
  return t;
}

function rig(yaml: string, store = new HistoryStore({ dataDir: null, clock: systemClock })): Rig {
  const changes = new Changes();
  const rpc = new RpcRegistry();
  const engine = new Engine({ clock: systemClock, emit: (_m: BoardMessage) => changes.notify(), rpc });
  const module = new FailoverModule({ engine, rpc, store, log: () => {}, incidents: null });
  engine.use(module);
  const outcome = parseConfigText(yaml, 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  engine.applyConfig(outcome.config, 'test.yaml');
  rigs.push({ engine, store });
  return { engine, module, store, rpc, until: (what, test) => changes.until(what, test) };
}

const state = (r: Rig) => r.module.views()[0]!.state;
const check = (r: Rig, id: string) => r.engine.checkViews().find((c) => c.id === id);

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.engine.stop();
    await r.store.close();
  }
  for (const t of targets.splice(0)) await t.stop().catch(() => {});
});

const policy = (watch: string, extra = '') => `failover:
  policies:
    - id: p
      watch: ${watch}
      primary: hk
      backup: sg
      actions: [{ type: command, run: [/bin/true] }]
${extra}`;

describe('failover module in a real engine', () => {
  it('fails over when a watched component is down by its status rule', async () => {
    const a = await target();
    const b = await target();
    const r = rig(`defaults: { interval: 100ms, timeout: 80ms, fall: 2, rise: 1 }
checks:
  - { id: hk-a, type: http, url: "${a.url}/" }
  - { id: hk-b, type: http, url: "${b.url}/" }
components:
  - { id: hk-edge, checks: [hk-a, hk-b], status_rule: any }
${policy('{ component: hk-edge }')}`);
    await r.until('both up', () => check(r, 'hk-a')?.status === 'up' && check(r, 'hk-b')?.status === 'up');
    await a.stop();
    await r.until('hk-a down', () => check(r, 'hk-a')?.status === 'down');
    // One of two checks down leaves an `any` component up: nothing to do.
    expect(state(r)).toBe('idle');
    await b.stop();
    await r.until('failed over', () => state(r) === 'failed_over');
    expect(r.module.audit('p').map((e) => e.step)).toContain('failed_over');
    expect(r.module.audit('p')[0]!.detail.reason).toBe(
      'watched component hk-edge is down (seen from 1 vantage, 1 required)',
    );
  });

  it('does not fail over while this vantage is offline (its reference checks down)', async () => {
    const hk = await target();
    const gateway = await target();
    const r = rig(`defaults: { interval: 100ms, timeout: 80ms, fall: 2, rise: 1 }
checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
  - { id: gateway, type: http, url: "${gateway.url}/" }
vantage: { reference_checks: [gateway] }
${policy('{ check: hk-lb }')}`);
    await r.until('both up', () => check(r, 'hk-lb')?.status === 'up' && check(r, 'gateway')?.status === 'up');
    await gateway.stop();
    await r.until('gateway down', () => check(r, 'gateway')?.status === 'down');
    await hk.stop();
    await r.until('hk-lb seen down a while', () => (check(r, 'hk-lb')?.consecutiveFailures ?? 0) >= 4);
    expect(state(r)).toBe('idle');
    await gateway.start();
    await r.until('failed over once the vantage is back', () => state(r) === 'failed_over');
  });

  it('both sites down: sends nothing to the dead backup, says so, and fails over once the backup is back', async () => {
    const hk = await target();
    const sg = await target();
    const ran = join(mkdtempSync(join(tmpdir(), 'knockon-both-')), 'ran');
    const r = rig(`defaults: { interval: 100ms, timeout: 80ms, fall: 2, rise: 1 }
checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
  - { id: sg-lb, type: http, url: "${sg.url}/" }
failover:
  policies:
    - id: p
      watch: { check: hk-lb }
      primary: hk
      backup: sg
      verify: { check: sg-lb }
      actions: [{ type: command, run: [/bin/sh, -c, "echo ran >> ${ran}"] }]
`);
    await r.until('both up', () => check(r, 'hk-lb')?.status === 'up' && check(r, 'sg-lb')?.status === 'up');
    await sg.stop();
    await r.until('backup down', () => check(r, 'sg-lb')?.status === 'down');
    await hk.stop();
    await r.until('primary seen down a while', () => (check(r, 'hk-lb')?.consecutiveFailures ?? 0) >= 5);
    expect(state(r)).toBe('idle');
    expect(r.module.views()[0]!.lastMessage).toContain('both sites are down and traffic stays on the primary');
    expect(r.module.audit('p').filter((e) => e.step === 'refused')).toHaveLength(1);
    expect(existsSync(ran)).toBe(false);
    await sg.start();
    await r.until('failed over once the backup is back', () => state(r) === 'failed_over');
    expect(readFileSync(ran, 'utf8')).toBe('ran\n');
  });

  it('fails over on an alert rule firing with matching labels, and back when it resolves', async () => {
    const hk = await target();
    const rpc = new RpcRegistry();
    const changes = new Changes();
    const engine = new Engine({ clock: systemClock, emit: changes.notify, rpc });
    // A data directory: the audit is written by the store thread, and read here from the file.
    const dataDir = mkdtempSync(join(tmpdir(), 'knockon-failover-'));
    const context = await installModules({ engine, rpc, dataDir, log: () => {} });
    rigs.push({ engine, store: context.store });
    const outcome = parseConfigText(
      `defaults: { interval: 100ms, timeout: 80ms, fall: 2, rise: 1 }
checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
  - { id: hk-api, type: http, url: "${hk.url}/api" }
alerts:
  - { name: ServerDown, condition: down, on: checks, ids: [hk-lb], labels: { team: edge } }
  - { name: ApiDown, condition: down, on: checks, ids: [hk-api] }
failover:
  policies:
    - id: p
      watch: { alert: ServerDown, labels: { team: edge } }
      primary: hk
      backup: sg
      failback: { mode: automatic, rise: 1, hold: 0s }
      actions: [{ type: command, run: [/bin/true] }]
`,
      'test.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    engine.applyConfig(outcome.config, 'test.yaml');
    const until = (what: string, test: () => boolean) => changes.until(what, test);
    const policyState = () => engine.snapshot().failovers[0]!.state;
    await until('up', () => engine.checkViews().every((c) => c.status === 'up'));
    expect(engine.snapshot().failovers[0]!.watches).toBe('alert ServerDown');
    await hk.stop();
    await until('failed over', () => policyState() === 'failed_over');
    await context.store.flush();
    const decided = context.store.loadAudit('p').find((e) => e.step === 'decided')!;
    expect(decided.detail.reason).toBe('watched alert ServerDown on hk-lb is down (seen from 1 vantage, 1 required)');
    const incident = context.incidents!.openIncidentFor('hk-lb')!;
    expect(incident.events.some((e) => e.data?.step === 'failed_over')).toBe(true);
    await hk.start();
    await until('failed back', () => policyState() === 'cooldown');
  });

  it('gives each incident its own timeline: the next outage in the cooldown is not told the last failback', async () => {
    const hk = await target();
    const rpc = new RpcRegistry();
    const changes = new Changes();
    const engine = new Engine({ clock: systemClock, emit: changes.notify, rpc });
    const context = await installModules({ engine, rpc, dataDir: null, log: () => {} });
    rigs.push({ engine, store: context.store });
    const outcome = parseConfigText(
      `defaults: { interval: 100ms, timeout: 80ms, fall: 2, rise: 1 }
checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
alerts:
  - { name: ServerDown, condition: down, on: checks, ids: [hk-lb], for: 0s }
failover:
  policies:
    - id: p
      watch: { check: hk-lb }
      primary: hk
      backup: sg
      failback: { mode: automatic, rise: 1, hold: 0s }
      cooldown: 1m
      actions: [{ type: command, run: [/bin/true] }]
`,
      'test.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    engine.applyConfig(outcome.config, 'test.yaml');
    const until = <T>(what: string, test: () => T) => changes.until(what, test);
    const incidents = () => context.incidents!.list();
    const steps = (id: string) =>
      incidents()
        .find((i) => i.id === id)!
        .events.flatMap((e) => (e.kind === 'failover' ? [String(e.data?.step)] : []));
    await until('up', () => engine.checkViews().every((c) => c.status === 'up'));
    await hk.stop();
    const first = (await until('first incident', () => incidents().find((i) => i.state === 'open')?.id))!;
    await until('failed over', () => engine.snapshot().failovers[0]!.state === 'failed_over');
    await hk.start();
    await until('failed back, cooling down', () => engine.snapshot().failovers[0]!.state === 'cooldown');
    await until('first resolved', () => incidents().find((i) => i.id === first)?.state === 'resolved');
    await hk.stop();
    const second = (await until('second incident', () => incidents().find((i) => i.state === 'open')?.id))!;
    await until('told of the suppressed switch', () => steps(second).includes('suppressed'));
    expect(second).not.toBe(first);
    expect(steps(second)).toEqual(['suppressed']);
    expect(steps(first)).toContain('failed_back');
    expect(steps(first)).not.toContain('suppressed');
  });

  it('turns a run interrupted with a command in doubt into failed, audited, without running anything', async () => {
    const store = new HistoryStore({ dataDir: null, clock: systemClock });
    store.saveState('failover:p', { ...INITIAL_POLICY_STATE, state: 'running', run: 3, direction: 'failover' });
    store.appendAudit({ policyId: 'p', at: 1, step: 'started', detail: { run: 3, direction: 'failover' } });
    store.appendAudit({
      policyId: 'p',
      at: 2,
      step: 'action_request',
      detail: { run: 3, direction: 'failover', index: 0, action: 'command', attempt: 1 },
    });
    const hk = await target();
    const r = rig(
      `checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
${policy('{ check: hk-lb }')}`,
      store,
    );
    expect(r.module.views()[0]).toMatchObject({
      state: 'failed',
      lastMessage: expect.stringContaining(
        'interrupted by a restart while failing over: command /bin/true (command) was under way and may or may not have happened',
      ),
    });
    expect(store.loadAudit('p').map((e) => e.step)).toEqual(['started', 'action_request', 'restored', 'interrupted']);
    expect(store.loadState<{ state: string }>('failover:p')!.state).toBe('failed');
    expect(await r.rpc.dispatch('failover.approve', { policyId: 'p' }, ADMIN)).toEqual({
      ok: false,
      message: 'nothing to approve: the policy is failed',
    });
    await expect(r.rpc.dispatch('failover.start', { policyId: 'p' }, ADMIN)).rejects.toThrow(
      'reason: expected a reason',
    );
    await expect(r.rpc.dispatch('failover.start', null, ADMIN)).rejects.toThrow(
      'failover.start: invalid params: policyId: expected a failover policy id',
    );
  });

  it('takes up a run the restart caught before its first action, and finishes it', async () => {
    const store = new HistoryStore({ dataDir: null, clock: systemClock });
    store.saveState('failover:p', { ...INITIAL_POLICY_STATE, state: 'running', run: 2, direction: 'failover' });
    const hk = await target();
    const r = rig(
      `checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
${policy('{ check: hk-lb }')}`,
      store,
    );
    await r.until('failed over', () => state(r) === 'failed_over');
    const steps = store.loadAudit('p').map((e) => e.step);
    expect(steps.slice(0, 3)).toEqual(['restored', 'resumed', 'started']);
    expect(steps).toContain('failed_over');
    expect(steps).not.toContain('interrupted');
  });
});
