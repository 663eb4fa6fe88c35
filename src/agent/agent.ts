/**
 * `knockon agent`: a probe agent at a remote vantage. The same Engine as the centre, headless
 * and without modules, probes the checks the centre assigns; every result is numbered in the
 * agent's stream, buffered on disk (buffer.ts) and sent to the centre by one POST per sync
 * interval (client.ts), oldest first, until the centre acknowledges it as committed.
 *
 * The engine runs in this process's main thread: the agent does nothing else, the result path
 * is a function call into the buffer, and the only blocking work (one SQLite write per sync
 * interval) is small. docs/ARCHITECTURE.md ("Vantages and agents") says more.
 */
import {
  MAX_AGENT_BODY_BYTES,
  MAX_BATCH_RESULTS,
  AGENT_PROTOCOL_VERSION,
  encodeBatch,
  type Assignment,
  type AgentSyncRequest,
} from '../shared/agent-protocol.ts';
import type { ProbeResult } from '../shared/model.ts';
import { vantageState } from '../engine/analysis/vantage.ts';
import type { ResolvedCheck } from '../engine/checks.ts';
import { systemClock } from '../engine/clock.ts';
import { formatIssue, parseConfigText } from '../engine/config/parse.ts';
import { Engine } from '../engine/engine.ts';
import { tuneHeapOrWarn } from '../engine/worker-limits.ts';
import { AgentBuffer } from './buffer.ts';
import { CentreClient, type SyncOutcome } from './client.ts';
import { writeStatusFile, type AgentStatus } from './status-file.ts';
import { wireEntry } from './wire.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface AgentOptions {
  centre: string;
  vantage: string;
  token: string;
  dataDir: string;
  caFile?: string | null;
  /** Results buffered at most (default 100,000). */
  bufferMax?: number;
  /** Results older than this are dropped from the buffer (default 24 h). */
  bufferMaxAgeMs?: number;
  /** How often results are written and sent (default 250 ms). */
  syncIntervalMs?: number;
  version: string;
  log: Log;
  /** Called after each result is buffered and after each sync attempt (for tests and embedders). */
  onChange?: () => void;
}

export interface AgentStats {
  buffered: number;
  dropped: number;
  checks: number;
  connected: boolean;
  online: boolean;
  stream: string;
}

export const DEFAULT_BUFFER_MAX = 100_000;
export const DEFAULT_BUFFER_MAX_AGE_MS = 24 * 3_600_000;
/**
 * A result waits up to this long at the agent; the centre sends a beat's results to the board
 * 25 ms after the first of its syncs (`ChangeBatcher.flushNow`), so together well under the
 * second the board promises (docs/BENCHMARKS.md, bench:vantages: result to board p99 about
 * 0.78 s). Before the beat (src/engine/vantages/beat.ts) it was 500 ms: agents synced at random
 * phases, and a sync's results often waited up to 250 ms for the next delta (p99 about 0.75 s);
 * on the beat, 500 ms gives p99 about 0.53 s, and 750 ms the same delay as before with a third
 * fewer syncs, each costing the agent and the centre a request.
 */
export const DEFAULT_SYNC_INTERVAL_MS = 750;
/** This many results waiting send a sync before the interval is up. */
export const EARLY_SYNC_AT = 1_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** The last syncs on shutdown (until the centre acknowledges everything) are given this long. */
const FINAL_SYNC_MS = 2_000;
/** Between them: the centre acknowledges with its next group commit (BEAT_GATHER_MS, 25 ms, or COMMIT_GAP_MS, 500 ms, after the last). */
const FINAL_ACK_POLL_MS = 100;
/** A body's results stay this far under the centre's limit (the envelope, and JSON's escaping). */
const BATCH_BYTES = MAX_AGENT_BODY_BYTES - 256 * 1024;
/** The status file is rewritten at least this often, even while syncs back off. */
const STATUS_EVERY_MS = 5_000;

/**
 * How long after an answer to send the next sync: at the centre's slot for this vantage
 * (`nextInMs`, on a beat of the agent's own period) less the round trip just measured, so that
 * agents' syncs arrive together (src/engine/vantages/beat.ts). The round trip stands for the
 * next request's way there (and the centre's time before its answer, so the agent lands that
 * much early: the next answer measures again, nothing drifts). Whatever the centre says, one
 * send to the next is at least half a period (the round trip and this wait), and the wait at
 * most a period and a half: a far agent keeps its period, it does not skip to every other slot.
 * Its own period from a centre that gives no slot.
 */
export function nextSyncDelay(nextInMs: number | undefined, roundTripMs: number, periodMs: number): number {
  if (nextInMs === undefined) return periodMs;
  let delay = (((nextInMs - roundTripMs) % periodMs) + periodMs) % periodMs;
  if (delay + roundTripMs < periodMs / 2) delay += periodMs;
  return Math.round(delay);
}

/**
 * The wait after the n-th failed sync in a row: "full jitter" (a uniform draw from zero up to
 * a cap that doubles from 1 s to 30 s), so agents cut off together do not come back together.
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 10));
  return random() * cap;
}

export class ProbeAgent {
  private readonly options: Required<Omit<AgentOptions, 'caFile' | 'onChange'>> & { caFile: string | null };
  private readonly onChange: () => void;
  private readonly log: Log;
  private readonly buffer: AgentBuffer;
  private readonly client: CentreClient;
  private readonly engine: Engine;
  private readonly startedAt = Date.now();
  /** The sync interval in whole ms (the protocol's `syncEveryMs`, and the beat's period). */
  private readonly periodMs: number;
  private assignment: Assignment | null = null;
  /** A revision that did not parse or apply: not tried again, said once. */
  private refusedRev: string | null = null;
  private references: { ids: Set<string>; offlineWhen: 'all' | 'any' } = { ids: new Set(), offlineWhen: 'all' };
  private observer: { online: boolean; reason: string | null } = { online: true, reason: null };
  private observerCheckQueued = false;
  private connected = false;
  private lastSyncAt: number | null = null;
  private lastError: string | null = null;
  private failures = 0;
  /**
   * The highest sequence the centre answered as applied since the last failed sync: the next
   * batch follows it (results stay buffered until acknowledged). 0 after a failure: the next
   * batch starts from the oldest held, since a centre that restarted has lost what it had not
   * committed.
   */
  private accepted = 0;
  private statusAt = 0;
  /** statusKey() as last written. */
  private statusSaid = '';
  private flushFailing = false;
  private unsendable = 0;
  private stopping = false;
  private wake: (() => void) | null = null;
  private inFlight: AbortController | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private stopped: Promise<void> | null = null;

  constructor(options: AgentOptions) {
    this.options = {
      bufferMax: DEFAULT_BUFFER_MAX,
      bufferMaxAgeMs: DEFAULT_BUFFER_MAX_AGE_MS,
      syncIntervalMs: DEFAULT_SYNC_INTERVAL_MS,
      ...options,
      caFile: options.caFile ?? null,
    };
    this.periodMs = Math.max(1, Math.round(this.options.syncIntervalMs));
    this.log = options.log;
    this.onChange = options.onChange ?? (() => {});
    this.client = new CentreClient({ centre: options.centre, token: options.token, caFile: this.options.caFile });
    this.buffer = AgentBuffer.open({
      dataDir: options.dataDir,
      maxCount: this.options.bufferMax,
      maxAgeMs: this.options.bufferMaxAgeMs,
    });
    // The same engine as the centre's, in this process's main thread: the same heap growth.
    tuneHeapOrWarn((message) => this.log('warn', message));
    this.engine = new Engine({
      clock: systemClock,
      onResult: (result, check) => this.onResult(result, check),
      log: this.log,
    });
  }

  /** Starts probing the stored assignment (if any) and syncing. */
  start(): void {
    const stored = this.buffer.loadAssignment();
    this.log(
      'info',
      `agent ${this.options.vantage}: stream ${this.buffer.stream}, next sequence ${this.buffer.next()}, ` +
        `${this.buffer.size()} results buffered; centre ${this.client.url.origin}`,
    );
    if (stored && this.apply(stored, 'the stored assignment')) {
      this.log(
        'info',
        `probing ${this.engine.checkCount()} checks from the stored assignment until the centre answers`,
      );
    }
    this.flushTimer = setInterval(() => this.tick(), this.periodMs);
    this.loopDone = this.loop();
    this.writeStatus();
  }

  stats(): AgentStats {
    return {
      buffered: this.buffer.size(),
      dropped: this.buffer.dropped(),
      checks: this.engine.checkCount(),
      connected: this.connected,
      online: this.observer.online,
      stream: this.buffer.stream,
    };
  }

  /** Stops probing, writes the buffer, syncs until acknowledged (2 s at most), and closes. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.wake?.();
    this.inFlight?.abort();
    await this.engine.stop();
    await this.loopDone;
    this.flush();
    const deadline = AbortSignal.timeout(FINAL_SYNC_MS);
    const last = () => this.syncOnce(deadline).catch((error: unknown) => ({ ok: false, message: describe(error) }));
    if (this.buffer.size() > 0) {
      let outcome = await last();
      // The centre answers before its group commit: ask again until it acknowledges it all.
      while (outcome.ok && this.buffer.size() > 0 && !deadline.aborted) {
        await new Promise((resolve) => setTimeout(resolve, FINAL_ACK_POLL_MS));
        outcome = await last();
      }
      if (!outcome.ok) this.log('warn', `last sync before stopping failed (${outcome.message}); the buffer keeps it`);
    }
    this.writeStatus('stopped');
    try {
      this.buffer.close();
    } catch (error) {
      this.log('error', `could not write the buffer on shutdown: ${describe(error)}`);
    }
    await this.client.close();
    this.log('info', `agent stopped with ${this.buffer.size()} results buffered`);
  }

  private onResult(result: ProbeResult, check: ResolvedCheck): void {
    if (this.stopping) return;
    const reference = this.references.ids.has(check.id);
    // A reference check measures the observer itself: its results are always evidence.
    const wire = wireEntry(result, !reference && !this.observer.online);
    if (wire === null) {
      if (this.unsendable++ === 0)
        this.log('error', `a result of check ${check.id} cannot be sent (not even bare); such results are skipped`);
      return;
    }
    this.buffer.add(wire.result, wire.json);
    if (reference && !this.observerCheckQueued) {
      // After the engine has applied this result: the check's status then includes it.
      this.observerCheckQueued = true;
      queueMicrotask(() => {
        this.observerCheckQueued = false;
        this.checkObserver();
      });
    }
    if (this.failures === 0 && this.buffer.size() >= EARLY_SYNC_AT) this.wake?.();
    this.onChange();
  }

  /** Whether this vantage's own network works, from its reference checks as the engine sees them. */
  private checkObserver(): void {
    const refs = this.references;
    if (refs.ids.size === 0) {
      this.observer = { online: true, reason: null };
      return;
    }
    const next = vantageState({
      offlineWhen: refs.offlineWhen,
      references: this.engine
        .checkViews()
        .filter((v) => refs.ids.has(v.id))
        .map((v) => ({ id: v.id, name: v.name, status: v.status })),
    });
    if (next.online !== this.observer.online) {
      this.log(
        next.online ? 'info' : 'warn',
        next.online
          ? `vantage ${this.options.vantage} online again: its reference checks are up`
          : `vantage ${this.options.vantage} offline: ${next.reason}; results are sent marked as the observer's`,
      );
    }
    this.observer = next;
  }

  /** Every sync interval: the waiting results to disk, and the status file when it is due. */
  private tick(): void {
    this.flush();
    if (Date.now() - this.statusAt >= STATUS_EVERY_MS) this.writeStatus();
  }

  private flush(): void {
    try {
      const dropped = this.buffer.flush();
      if (dropped > 0) {
        this.log(
          'warn',
          `buffer full or too old: dropped the ${dropped} oldest results (${this.buffer.dropped()} since start)`,
        );
      }
      if (this.flushFailing) this.log('info', 'the buffer can be written again');
      this.flushFailing = false;
    } catch (error) {
      if (!this.flushFailing) {
        this.log(
          'error',
          `cannot write the buffer (${describe(error)}); results are held in memory (at most ${this.options.bufferMax})`,
        );
      }
      this.flushFailing = true;
    }
  }

  private async loop(): Promise<void> {
    let delay = 0;
    while (!this.stopping) {
      await this.sleep(delay);
      if (this.stopping) break;
      this.inFlight = new AbortController();
      try {
        delay = (await this.syncOnce(this.inFlight.signal)).next;
      } catch (error) {
        // The buffer could not be read (a failing disk): the same back-off as a failed sync.
        this.failed(null, `cannot read the buffer: ${describe(error)}`);
        delay = backoffMs(this.failures);
      }
      this.inFlight = null;
      this.onChange();
    }
  }

  /** One sync: waiting results to disk, the oldest batch sent, the ack and any assignment applied. */
  private async syncOnce(signal: AbortSignal): Promise<{ ok: boolean; message: string; next: number }> {
    this.flush();
    const after = this.accepted;
    const batch = this.buffer.batch(MAX_BATCH_RESULTS, BATCH_BYTES, after);
    const body: AgentSyncRequest = {
      v: AGENT_PROTOCOL_VERSION,
      vantage: this.options.vantage,
      agent: { version: this.options.version, stream: this.buffer.stream, startedAt: this.startedAt },
      sentAt: Date.now(),
      assignmentRev: this.assignment?.rev ?? null,
      syncEveryMs: this.periodMs,
      after,
      results: encodeBatch(batch),
      status: {
        buffered: Math.max(0, this.buffer.size() - batch.length),
        dropped: this.buffer.dropped(),
        online: this.observer.online,
        reason: this.observer.reason?.slice(0, 2_000) ?? null,
      },
    };
    const timeout = AbortSignal.timeout(10_000);
    const started = performance.now();
    const outcome: SyncOutcome = await this.client.sync(body, AbortSignal.any([signal, timeout]));
    const roundTripMs = performance.now() - started;
    if (!outcome.ok) {
      this.failed(outcome.status, outcome.message);
      this.writeStatus();
      return { ok: false, message: outcome.message, next: backoffMs(this.failures) };
    }
    const { response } = outcome;
    if (this.failures > 0) this.log('info', `synced with the centre again after ${this.failures} failed attempts`);
    this.failures = 0;
    this.connected = true;
    this.lastSyncAt = Date.now();
    this.lastError = null;
    // A centre that does not answer `accepted` has applied what it acknowledged, no more.
    this.accepted = Math.max(response.ack, response.accepted ?? response.ack);
    try {
      this.buffer.ack(response.ack);
    } catch (error) {
      this.log('error', `cannot remove acknowledged results from the buffer: ${describe(error)}`);
    }
    // Not while stopping: the engine has stopped, and the next start asks again.
    if (response.assignment && response.assignment.rev !== this.refusedRev && !this.stopping) {
      if (this.apply(response.assignment, `assignment from ${this.client.url.origin}`)) {
        this.log(
          'info',
          `assignment ${response.assignment.rev.slice(0, 12)}: probing ${this.engine.checkCount()} checks`,
        );
      }
    }
    this.writeStatusIfChanged();
    const lastSent = batch.at(-1)?.seq ?? 0;
    // A backlog goes up batch after batch while the centre keeps taking it.
    const unsent = batch.length > 0 && this.accepted >= lastSent ? this.buffer.sizeAfter(this.accepted) : 0;
    const early = unsent > 0 && (batch.length >= MAX_BATCH_RESULTS || unsent >= EARLY_SYNC_AT);
    const next = early ? 0 : nextSyncDelay(response.nextInMs, roundTripMs, this.periodMs);
    return { ok: true, message: 'synced', next };
  }

  private failed(status: number | null, message: string): void {
    this.failures++;
    this.accepted = 0;
    this.connected = false;
    const changed = message !== this.lastError;
    this.lastError = message;
    if (status === 401 || status === 403) {
      if (changed) this.log('error', `the centre refused this agent (${message}); results stay buffered, retrying`);
    } else if (changed || this.failures === 1) {
      this.log('warn', `sync with the centre failed (${message}); results stay buffered, retrying with back-off`);
    }
  }

  /** Applies an assignment; false (and said once) when it is not for this vantage or does not parse. */
  private apply(assignment: Assignment, source: string): boolean {
    const refuse = (why: string) => {
      this.refusedRev = assignment.rev;
      this.log('error', `${source} (${assignment.rev.slice(0, 12)}) is not applied: ${why}`);
      return false;
    };
    if (assignment.vantage !== this.options.vantage) {
      return refuse(`it is for vantage ${assignment.vantage}, this agent is ${this.options.vantage}`);
    }
    const outcome = parseConfigText(JSON.stringify(assignment.config), source);
    if (!outcome.ok) return refuse(outcome.issues.map((i) => formatIssue(i)).join('; '));
    if (outcome.config.vantage.id !== this.options.vantage) {
      return refuse(`its vantage is ${outcome.config.vantage.id}`);
    }
    try {
      this.engine.applyConfig(outcome.config, source);
    } catch (error) {
      return refuse(describe(error));
    }
    this.assignment = assignment;
    this.refusedRev = null;
    this.references = {
      ids: new Set(outcome.config.vantage.reference_checks),
      offlineWhen: outcome.config.vantage.offline_when,
    };
    this.checkObserver();
    try {
      this.buffer.saveAssignment(assignment);
    } catch (error) {
      this.log('error', `cannot keep the assignment on disk (${describe(error)}); a restart waits for the centre`);
    }
    return true;
  }

  /**
   * After a good sync: the status file when what it says has changed (link, network, error,
   * checks, a backlog gone), otherwise every STATUS_EVERY_MS from tick(). Writing it at every
   * sync (three times a second) cost a temporary file and a rename each time.
   */
  private writeStatusIfChanged(): void {
    if (this.statusKey(this.engine.checkCount()) !== this.statusSaid) this.writeStatus();
  }

  /** What the status file says that a reader acts on; the counts are refreshed every few seconds. */
  private statusKey(checks: number): string {
    return [
      this.connected,
      this.observer.online,
      this.observer.reason,
      this.lastError,
      checks,
      this.buffer.size() === 0,
    ].join('|');
  }

  private writeStatus(state: AgentStatus['state'] = 'running'): void {
    this.statusAt = Date.now();
    const checks = this.engine.checkCount();
    this.statusSaid = this.statusKey(checks);
    try {
      writeStatusFile(this.options.dataDir, {
        at: this.statusAt,
        state,
        vantage: this.options.vantage,
        connected: this.connected,
        lastSyncAt: this.lastSyncAt,
        lastError: this.lastError,
        buffered: this.buffer.size(),
        dropped: this.buffer.dropped(),
        checks,
        online: this.observer.online,
        reason: this.observer.reason,
        pid: process.pid,
      });
    } catch (error) {
      this.log('error', `cannot write the status file: ${describe(error)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
