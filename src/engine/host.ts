/**
 * Runs the engine in a worker thread and keeps it running: restarts it with back-off if it
 * dies, and keeps the latest board so late subscribers start from a snapshot.
 * Used by the Electron main process and by the headless server alike.
 */
import { Worker } from 'node:worker_threads';
import { LiveBoard } from '../shared/board-state.ts';
import type { Actor } from '../shared/actor.ts';
import type { BoardSnapshot } from '../shared/model.ts';
import { isEngineEvent, type BoardMessage, type EngineCommand } from '../shared/protocol.ts';
import type { RpcMethod, RpcParams, RpcResult } from '../shared/rpc.ts';
import { ENGINE_RESOURCE_LIMITS } from './worker-limits.ts';
import { CLOSE_TIMEOUT_MS } from './store/thread-protocol.ts';

/** How long stop() lets the worker finish (modules write what they hold) before ending it. */
// The engine's history closes last and may wait CLOSE_TIMEOUT_MS for its store thread: the host
// waits longer, so the store's own timeout (and its log of what was lost) comes first.
const STOP_TIMEOUT_MS = CLOSE_TIMEOUT_MS + 2_000;

export interface EngineHostOptions {
  /** Path of the worker entry: src/engine/worker.ts from a checkout, the bundled file when built. */
  workerPath: string | URL;
  configPath: string | null;
  /** Config text to run when there is no config file (the demo). */
  demoConfigText?: string | null;
  /** Where the engine keeps its history database; null keeps history in memory only. */
  dataDir?: string | null;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const MAX_RESTART_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

export class EngineHost {
  private worker: Worker | null = null;
  /** The latest board, kept so a delta costs O(changed) and a snapshot is made only when asked. */
  private readonly board = new LiveBoard();
  private readonly listeners = new Set<(message: BoardMessage) => void>();
  private readonly options: EngineHostOptions;
  private stopping = false;
  private restarts = 0;
  private exits = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshotWaiters: (() => void)[] = [];
  private nextRequestId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();

  constructor(options: EngineHostOptions) {
    this.options = options;
  }

  start(): void {
    this.stopping = false;
    this.spawn();
  }

  /** How many times the worker died and was restarted since start(): 0 on a healthy engine. */
  workerRestarts(): number {
    return this.exits;
  }

  /** The latest board, or null before the engine's first snapshot. */
  current(): BoardSnapshot | null {
    return this.board.current();
  }

  /** The latest board as a snapshot message, numbered so the next message follows it (IPC's getSnapshot). */
  snapshotMessage(): BoardMessage | null {
    return this.board.snapshotMessage();
  }

  /** The seq of the last message `current()` reflects. */
  seq(): number {
    return this.board.seq();
  }

  /** Resolves once the engine has sent its first snapshot. */
  ready(): Promise<void> {
    if (this.board.started()) return Promise.resolve();
    return new Promise((resolve) => this.snapshotWaiters.push(resolve));
  }

  subscribe(listener: (message: BoardMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A query or action on the engine on behalf of `actor` (authenticated by the caller's entry
   * point); rejects with the engine's message, or after `timeoutMs`.
   */
  request<M extends RpcMethod>(
    method: M,
    params: RpcParams<M>,
    actor: Actor,
    timeoutMs = 15_000,
  ): Promise<RpcResult<M>> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('the engine is not running (restarting?)'));
    const id = this.nextRequestId++;
    return new Promise<RpcResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the engine did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      worker.postMessage({ v: 1, kind: 'request', id, method, params, actor } satisfies EngineCommand);
    });
  }

  private settle(id: number, outcome: { ok: true; result: unknown } | { ok: false; error: string }): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (outcome.ok) entry.resolve(outcome.result);
    else entry.reject(new Error(outcome.error));
  }

  private failPending(reason: string): void {
    for (const [id] of this.pending) this.settle(id, { ok: false, error: reason });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ v: 1, kind: 'stop' } satisfies EngineCommand);
    // Time for the history store thread (started with the engine) to write its last batch.
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const log = this.options.log ?? (() => {});
    const worker = new Worker(this.options.workerPath, {
      name: 'knockon-engine',
      resourceLimits: ENGINE_RESOURCE_LIMITS,
    });
    this.worker = worker;
    worker.on('message', (event: unknown) => {
      if (!isEngineEvent(event)) return log('warn', 'engine sent a malformed message; ignored');
      if (event.kind === 'log') return log(event.level, event.message);
      if (event.kind === 'stopped') return;
      if (event.kind === 'response') return this.settle(event.id, event);
      this.board.apply(event);
      if (event.kind === 'snapshot') for (const resolve of this.snapshotWaiters.splice(0)) resolve();
      for (const listener of this.listeners) listener(event);
    });
    worker.on('error', (error) => log('error', `engine worker failed: ${error.stack ?? String(error)}`));
    const spawnedAt = Date.now();
    worker.on('exit', (code) => {
      // Back-off resets only after a worker that lived a while: a crash loop keeps backing off.
      if (Date.now() - spawnedAt > STABLE_AFTER_MS) this.restarts = 0;
      if (this.worker !== worker) return;
      this.worker = null;
      this.failPending('the engine stopped before answering');
      if (this.stopping) return;
      this.exits++;
      const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** this.restarts++);
      log('error', `engine worker exited with code ${code}; restarting in ${delay} ms`);
      this.restartTimer = setTimeout(() => this.spawn(), delay);
    });
    worker.postMessage({
      v: 1,
      kind: 'start',
      configPath: this.options.configPath,
      demoConfigText: this.options.demoConfigText ?? null,
      dataDir: this.options.dataDir ?? null,
    } satisfies EngineCommand);
  }
}
