/**
 * "Written before acted" through the store thread: the failover module on a real StoreClient (a
 * real SQLite file, a real store thread) and a real webhook receiver, the store on a fake clock.
 * A failover action is sent only once its `action_request` audit row is committed in the file,
 * and the board and the engineer's RPC answer are told only once the decision is: while the
 * store thread is away nothing is sent, shown or answered, and once the restarted thread has
 * written the steps, the webhook goes, with its audit row already on disk.
 */
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { FailoverModule } from '../../../src/engine/failover/module.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { DB_FILE, HistoryStore, StoreClient } from '../../../src/engine/store/index.ts';
import type { BoardMessage } from '../../../src/shared/protocol.ts';
import type { StorageHealthView } from '../../../src/shared/model.ts';
import { ADMIN } from '../../support/actors.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { RecordingReceiver } from '../../support/receivers.ts';
import { waitFor } from '../../support/wait.ts';
import { T0, queryFile, tempDir } from '../store/helpers.ts';

const CONFIG = `checks:
  - { id: hk-lb, type: http, url: "http://127.0.0.1:9/" }
failover:
  policies:
    - id: p
      watch: { check: hk-lb }
      primary: hk
      backup: sg
      actions:
        - { type: webhook, name: tell, url_env: HOOK_URL, format: json }
`;

describe('a failover action waits for its audit to be committed (store thread)', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let store: StoreClient;
  let engine: Engine;
  let hook: RecordingReceiver;
  /** The audit steps in the file at the moment each webhook request arrived. */
  let stepsAtHook: string[][];
  const healthEvents = new EventEmitter();

  /** The policy's audit steps in the file, read on a connection of its own: committed only. */
  const fileSteps = () =>
    queryFile<{ step: string }>(
      join(dir.path, DB_FILE),
      "SELECT step FROM failover_audit WHERE policy_id = 'p' ORDER BY seq",
    ).map((r) => r.step);

  beforeEach(async () => {
    dir = tempDir();
    clock = new FakeClock(T0);
    stepsAtHook = [];
    hook = await new RecordingReceiver((_req, res) => {
      stepsAtHook.push(fileSteps());
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }).start();
    const log = () => {};
    store = new StoreClient({
      durable: new HistoryStore({ dataDir: dir.path, clock, log, timers: false }),
      dataDir: dir.path,
      clock,
      log,
      onHealth: (h: StorageHealthView) => healthEvents.emit(h.saving ? 'saving' : 'stopped', h),
    });
    await store.ready();
  });

  afterEach(async () => {
    await engine.stop();
    await store.close();
    await hook.stop();
    dir.remove();
  });

  it('sends nothing, shows nothing and answers nothing while the store thread is away; then the audit row, then the webhook', async () => {
    const rpc = new RpcRegistry();
    const published: BoardMessage[] = [];
    engine = new Engine({ clock, emit: (m: BoardMessage) => published.push(m), rpc });
    const module = new FailoverModule({
      engine,
      rpc,
      store,
      log: () => {},
      incidents: null,
      clock,
      env: { HOOK_URL: `${hook.url}/hook` },
    });
    engine.use(module);
    const outcome = parseConfigText(CONFIG, 'test.yaml');
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    engine.applyConfig(outcome.config, 'test.yaml');
    expect(module.views()[0]!.state).toBe('idle');

    const stopped = once(healthEvents, 'stopped');
    await (store as unknown as { worker: Worker }).worker.terminate();
    await stopped;

    let answer: { ok: boolean; message: string } | null = null;
    const answered = rpc
      .dispatch('failover.start', { policyId: 'p', reason: 'drill' }, ADMIN)
      .then((value) => (answer = value as { ok: boolean; message: string }));
    // Decided in memory (the policy will not start a second run), but nothing of it is on disk.
    expect(module.audit('p').map((e) => e.step)).toContain('decided');
    // Nothing to await here: the old engine would have sent the webhook within milliseconds of
    // the decision, so real time is given to a run that must not start, and the store's restart
    // back-off (500 ms, on the fake clock) is held just short.
    await clock.advance(499);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.requests).toEqual([]);
    expect(fileSteps()).toEqual([]);
    expect(answer).toBeNull();
    expect(published.some((m) => JSON.stringify(m).includes('"running"'))).toBe(false);
    expect(engine.snapshot().failovers[0]!.state).toBe('idle');

    // The thread is restarted: the held steps are written, and only then does the run go on.
    const saving = once(healthEvents, 'saving');
    await clock.advance(1);
    await saving;
    await answered;
    expect(answer).toEqual({ ok: true, message: 'failover started by Ada' });
    await waitFor(
      (onChange) => hook.subscribe(onChange),
      () => hook.requests.length === 1,
      'the webhook',
    );
    // When the webhook arrived, its request was already committed, as the last step so far.
    expect(stepsAtHook).toHaveLength(1);
    expect(stepsAtHook[0]!.at(-1)).toBe('action_request');
    expect(stepsAtHook[0]).toEqual(expect.arrayContaining(['decided', 'started']));
    await waitFor(
      (onChange) => {
        const timer = setInterval(onChange, 20);
        return () => clearInterval(timer);
      },
      () => module.views()[0]!.state === 'failed_over',
      'failed over',
    );
    await store.flush();
    const steps = fileSteps();
    expect(steps.slice(steps.indexOf('action_request'))).toEqual([
      'action_request',
      'action_result',
      'finished',
      'failed_over',
    ]);
    expect(hook.requests).toHaveLength(1);
    expect(engine.snapshot().failovers[0]!.state).toBe('failed_over');
  });
});
