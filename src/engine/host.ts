/**
 * Runs the engine in a worker thread and keeps it running: restarts it with back-off if it
 * dies, and keeps the latest board so late subscribers start from a snapshot.
 * Used by the Electron main process and by the headless server alike.
 */
import { Worker } from 'node:worker_threads';
import type { Actor } from '../shared/actor.ts';
import type { BoardSnapshot } from '../shared/model.ts';
import {
  boardTextFits,
  isBoardMessage,
  isEngineEvent,
  type BoardMessage,
  type BoardText,
  type EngineCommand,
  type EngineEvent,
} from '../shared/protocol.ts';
import { DeferredBoard } from './deferred-board.ts';
import type { RpcMethod, RpcParams, RpcResult } from '../shared/rpc.ts';
import { ENGINE_RESOURCE_LIMITS, tuneHeapOrWarn } from './worker-limits.ts';
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
  /**
   * Delta text held back unparsed before the host asks the engine for its board instead of
   * applying it (tests set it low). Default: `SNAPSHOTS_DEFERRED` times the last snapshot's text,
   * at least 1 MiB.
   */
  deferredBytes?: number;
  /**
   * The agent door on a port of its own, served by the worker (src/server/agent-port.ts). Port 0
   * takes a free port at the first start and keeps it across restarts of the worker.
   */
  agentPort?: { host: string; port: number; tls: { certFile: string; keyFile: string } | null } | null;
}

const MIN_DEFERRED_BYTES = 1024 * 1024;
/**
 * The engine's board costs about as much to make and parse (20 to 35 ms for 2,000 checks at three
 * vantages) as 40 to 60 of that board's deltas cost to parse and apply (bench/board-path.ts):
 * asked for after four snapshots' worth of delta text (8 MB, about 30 s of deltas there), it
 * costs about half of applying them, and a board asked for meanwhile catches up at most that
 * much (about 50 ms there).
 */
const SNAPSHOTS_DEFERRED = 4;

const MAX_RESTART_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

export class EngineHost {
  private worker: Worker | null = null;
  /**
   * The latest board. Deltas are kept as the engine's text and applied only when the board is
   * asked for, or when they pile up past `deferredBytes`: then the engine's own board replaces
   * them (`board-state`), or, while it has not answered, they are applied here.
   */
  private readonly board = new DeferredBoard();
  private readonly listeners = new Set<(message: BoardMessage) => void>();
  private readonly textListeners = new Set<(message: BoardText) => void>();
  /** The last snapshot's text length: the deferred deltas' bound follows the board's size. */
  private snapshotChars = 0;
  private stateRequest: { worker: Worker; id: number } | null = null;
  private resets = 0;
  private options: EngineHostOptions;
  private stopping = false;
  private restarts = 0;
  private exits = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private snapshotWaiters: (() => void)[] = [];
  /** The agent port as the worker last reported it; waiters until the first report. */
  private agentPortReport: { url: string | null; error: string | null } | null = null;
  private agentPortWaiters: (() => void)[] = [];
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
    tuneHeapOrWarn((message) => this.options.log?.('warn', message));
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

  /** Times the engine's board replaced deltas held back (tests, diagnostics). */
  boardResets(): number {
    return this.resets;
  }

  /** Resolves once the engine has sent its first snapshot. */
  ready(): Promise<void> {
    if (this.board.started()) return Promise.resolve();
    return new Promise((resolve) => this.snapshotWaiters.push(resolve));
  }

  /**
   * Where the agent port listens (its URL, port 0 resolved), once the worker has opened it;
   * rejects with the reason when it could not. Only with the `agentPort` option.
   */
  async agentPortUrl(): Promise<string> {
    if (!this.options.agentPort) throw new Error('no agent port was asked for');
    if (!this.agentPortReport) await new Promise<void>((resolve) => this.agentPortWaiters.push(resolve));
    const report = this.agentPortReport!;
    if (report.url === null) throw new Error(report.error ?? 'the agent port did not open');
    return report.url;
  }

  private agentPortOpened(event: Extract<EngineEvent, { kind: 'agent-port' }>): void {
    // The first report is the caller's to announce (agentPortUrl); one after a worker restart is said here.
    if (this.agentPortReport && event.url !== null)
      this.options.log?.('info', `the agent port is open again on ${event.url}`);
    this.agentPortReport = { url: event.url, error: event.error };
    // A worker that restarts binds the same port again, not another free one.
    const port = event.url === null ? NaN : Number(new URL(event.url).port);
    if (this.options.agentPort && Number.isInteger(port) && port > 0) {
      this.options = { ...this.options, agentPort: { ...this.options.agentPort, port } };
    }
    for (const resolve of this.agentPortWaiters.splice(0)) resolve();
  }

  /** Every board message as an object (parsed once for all such listeners, only while there are any). */
  subscribe(listener: (message: BoardMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Every board message as the engine's JSON text, its envelope checked (`boardTextFits`): what
   * the board server writes to its clients as it is.
   */
  subscribeText(listener: (message: BoardText) => void): () => void {
    this.textListeners.add(listener);
    return () => this.textListeners.delete(listener);
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

  private boardMessage(worker: Worker, event: BoardText): void {
    const log = this.options.log ?? (() => {});
    if (!boardTextFits(event)) return log('warn', 'engine sent a board message unlike its envelope; ignored');
    let message: BoardMessage | null = null;
    if (event.board === 'delta' && this.listeners.size === 0) {
      this.board.defer(event.seq, event.text);
      this.boundDeferred(worker);
    } else {
      // Our engine's JSON.stringify, its envelope checked above and again here.
      const parsed = parseJson(event.text);
      if (!isBoardMessage(parsed)) return log('warn', 'engine sent a malformed board message; ignored');
      message = parsed;
      if (message.kind === 'snapshot') this.snapshotChars = event.text.length;
      this.board.apply(message);
      if (message.kind === 'snapshot') for (const resolve of this.snapshotWaiters.splice(0)) resolve();
    }
    for (const listener of this.textListeners) listener(event);
    if (this.listeners.size > 0) {
      message ??= JSON.parse(event.text) as BoardMessage;
      for (const listener of this.listeners) listener(message);
    }
  }

  /** Deltas held back past the bound: the engine's board replaces them (asked once at a time). */
  private boundDeferred(worker: Worker): void {
    const bound = this.options.deferredBytes ?? Math.max(MIN_DEFERRED_BYTES, SNAPSHOTS_DEFERRED * this.snapshotChars);
    const held = this.board.deferredBytes();
    if (held <= bound) return;
    if (this.stateRequest) {
      // The engine is slow to answer: memory stays bounded, at the cost of parsing them here.
      if (held > 4 * bound) this.board.catchUp();
      return;
    }
    const id = this.nextRequestId++;
    this.stateRequest = { worker, id };
    worker.postMessage({ v: 1, kind: 'board-state', id } satisfies EngineCommand);
  }

  private boardState(worker: Worker, event: Extract<EngineEvent, { kind: 'board-state' }>): void {
    if (this.stateRequest?.worker !== worker || this.stateRequest.id !== event.id) return;
    this.stateRequest = null;
    if (event.text === null) return;
    const parsed = parseJson(event.text);
    if (!isBoardMessage(parsed) || parsed.kind !== 'snapshot') {
      return this.options.log?.('warn', 'engine sent a malformed board state; ignored');
    }
    this.snapshotChars = event.text.length;
    // Always as of the last message received (the port keeps order); if not, the deltas stay.
    if (this.board.reset(parsed)) this.resets++;
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
    this.stateRequest = null;
    worker.on('message', (event: unknown) => {
      if (!isEngineEvent(event)) return log('warn', 'engine sent a malformed message; ignored');
      if (event.kind === 'log') return log(event.level, event.message);
      if (event.kind === 'stopped') return;
      if (event.kind === 'response') return this.settle(event.id, event);
      if (event.kind === 'board-state') return this.boardState(worker, event);
      if (event.kind === 'agent-port') return this.agentPortOpened(event);
      this.boardMessage(worker, event);
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
      agentPort: this.options.agentPort ?? null,
    } satisfies EngineCommand);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
