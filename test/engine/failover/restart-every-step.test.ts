/**
 * A restart at every step of a run. One failover runs to its end against real HTTP targets and a
 * real webhook receiver, on a real SQLite file; after every audit record is written (durable on
 * return), the database and its WAL are copied aside: exactly what a kill -9 at that moment
 * leaves on disk. Then, for each copy, a new engine starts on it and must end in a state the README
 * describes and an engineer can act on: failed over (the run taken up from its audit), or failed
 * with the reason (an action in doubt that is not safe to repeat). Never stuck running, never a
 * second webhook for a run that had already sent one.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { systemClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { FailoverModule } from '../../../src/engine/failover/module.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { HistoryStore } from '../../../src/engine/store/index.ts';
import type { FailoverState } from '../../../src/shared/model.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { RecordingReceiver } from '../../support/receivers.ts';
import { Changes } from '../../support/wait.ts';

const DB = 'knockon.db';
const settled: FailoverState[] = ['failed_over', 'failed'];

let root = '';
let hk: HttpTarget;
let sg: HttpTarget;
let hook: RecordingReceiver;
let marks = '';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'knockon-restarts-'));
  marks = join(root, 'marks');
  hk = await new HttpTarget().start();
  sg = await new HttpTarget().start();
  hook = await new RecordingReceiver().start();
});

afterAll(async () => {
  await hk.stop().catch(() => {});
  await sg.stop();
  await hook.stop();
  rmSync(root, { recursive: true, force: true });
});

const config = (
  drain = `/bin/sh, -c, "echo drain >> ${marks}"`,
) => `defaults: { interval: 100ms, timeout: 80ms, fall: 2, rise: 1 }
checks:
  - { id: hk-lb, type: http, url: "${hk.url}/" }
  - { id: sg-lb, type: http, url: "${sg.url}/" }
failover:
  policies:
    - id: p
      watch: { check: hk-lb }
      primary: hk
      backup: sg
      verify: { check: sg-lb, timeout: 5s, interval: 100ms }
      actions:
        - { type: command, name: drain, run: [${drain}], idempotent: true, timeout: 20s }
        - { type: webhook, name: tell, url_env: HOOK_URL, format: json }
`;

/** An engine with the failover module on the data directory `dir`; `onAudit` runs after each audit record. */
function start(dir: string, onAudit: () => void = () => {}, drain?: string) {
  const store = new HistoryStore({ dataDir: dir, clock: systemClock });
  const append = store.appendAudit.bind(store);
  store.appendAudit = (entry) => {
    append(entry);
    onAudit();
  };
  const changes = new Changes();
  const rpc = new RpcRegistry();
  const engine = new Engine({ clock: systemClock, emit: changes.notify, rpc });
  const module = new FailoverModule({ engine, rpc, store, log: () => {}, env: { HOOK_URL: `${hook.url}/hook` } });
  engine.use(module);
  const outcome = parseConfigText(config(drain), 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  engine.applyConfig(outcome.config, 'test.yaml');
  const view = () => module.views()[0]!;
  return {
    store,
    module,
    view,
    status: (id: string) => engine.checkViews().find((c) => c.id === id)?.status,
    until: <T>(what: string, test: () => T | null | undefined | false) => changes.until(what, test),
    async stop() {
      await engine.stop();
      store.close();
    },
  };
}

describe('a restart at every step of a failover run', () => {
  it('ends each time failed over or failed with its reason, never stuck, never a second webhook', async () => {
    const original = join(root, 'original');
    const snapshots: string[] = [];
    const first = start(original, () => {
      const to = join(root, `after-${snapshots.length + 1}`);
      mkdirSync(to);
      for (const file of [DB, `${DB}-wal`]) {
        if (existsSync(join(original, file))) copyFileSync(join(original, file), join(to, file));
      }
      snapshots.push(to);
    });
    await first.until('both up', () => first.status('hk-lb') === 'up' && first.status('sg-lb') === 'up');
    await hk.stop();
    await first.until('failed over', () => first.view().state === 'failed_over');
    const steps = first.store.loadAudit('p').map((e) => e.step);
    await first.stop();
    expect(steps).toEqual([
      'decided',
      'started',
      'action_request',
      'action_result',
      'action_request',
      'action_result',
      'verify_started',
      'verified',
      'finished',
      'failed_over',
    ]);
    expect(hook.requests).toHaveLength(1);

    const outcomes: string[] = [];
    for (const [k, dir] of snapshots.entries()) {
      const prefix = steps.slice(0, k + 1);
      const hookAsked = prefix.includes('action_request') && prefix.lastIndexOf('action_request') === 4;
      const hookAnswered = prefix.length > 5;
      const sentBefore = hook.requests.length;
      const again = start(dir);
      const end = await again.until(`settled after a restart after "${prefix.at(-1)}" (#${k + 1})`, () =>
        settled.includes(again.view().state) ? again.view() : null,
      );
      const audit = again.store.loadAudit('p');
      await again.stop();
      const sent = hook.requests.length - sentBefore;
      outcomes.push(`${k + 1} ${prefix.at(-1)}: ${end.state} (${sent} sent)`);
      // The webhook succeeded at most once in the run's whole audit, however it was restarted.
      expect(audit.filter((e) => e.step === 'action_result' && e.detail.action === 'tell' && e.detail.ok)).toHaveLength(
        prefix.length > 5 || end.state === 'failed_over' ? 1 : 0,
      );
      if (end.state === 'failed') {
        // Only the webhook in doubt (asked, no answer) stops a resume: it may have been sent.
        expect(hookAsked && !hookAnswered).toBe(true);
        expect(end.lastMessage).toContain('interrupted by a restart while failing over: tell (webhook) was under way');
        expect(sent).toBe(0);
      } else {
        // The webhook is sent exactly once over the run's life: again only if it had not been asked.
        expect(sent).toBe(prefix.includes('action_request') && prefix.lastIndexOf('action_request') >= 4 ? 0 : 1);
      }
    }
    console.info(`restarts:\n${outcomes.join('\n')}`);
    expect(outcomes).toHaveLength(steps.length);
  });

  it('a stop (SIGTERM) mid-action is recorded as stopped, not failed, and the next start takes the run up', async () => {
    await hk.start();
    const dir = join(root, 'stopped');
    const slow = `/bin/sh, -c, "echo drain >> ${marks}; sleep 10"`;
    const first = start(dir, () => {}, slow);
    await first.until('both up', () => first.status('hk-lb') === 'up' && first.status('sg-lb') === 'up');
    await hk.stop();
    await first.until('the slow action asked', () =>
      first.store.loadAudit('p').some((e) => e.step === 'action_request' && e.detail.action === 'drain'),
    );
    await first.stop();
    const stopped = new HistoryStore({ dataDir: dir, clock: systemClock });
    const audit = stopped.loadAudit('p');
    expect(stopped.loadState<{ state: string }>('failover:p')!.state).toBe('running');
    stopped.close();
    expect(audit.map((e) => e.step)).not.toContain('verify_failed');
    expect(audit.map((e) => e.step)).not.toContain('failed');
    expect(audit.at(-1)).toMatchObject({ step: 'stopped', detail: { where: 'during drain' } });
    expect(audit.find((e) => e.step === 'action_result')!.detail).toMatchObject({ ok: false, interrupted: true });

    const again = start(dir);
    await again.until('failed over after the restart', () => again.view().state === 'failed_over');
    const steps = again.store.loadAudit('p').map((e) => e.step);
    await again.stop();
    expect(steps.slice(audit.length, audit.length + 3)).toEqual(['restored', 'resumed', 'started']);
  });
});
