/**
 * The frame every data-tier probe runs in: one deadline for the whole probe (connect, queries,
 * canary), clients closed whatever happens, and thrown errors classified. A probe connects per
 * probe and holds nothing between probes (docs/BENCHMARKS.md: measured against a pool).
 */
import type { ErrorClass, ObserverShortage, ProbeResult, ReplicationDetails } from '../../shared/model.ts';
import { classifyDataError } from './data-classify.ts';
import { ProbeStopwatch } from './stopwatch.ts';

export interface DataOutcome {
  ok: boolean;
  errorClass: ErrorClass | null;
  message: string;
  degraded?: boolean;
  replication?: ReplicationDetails;
  shortage?: ObserverShortage;
}

/** A probe's resources: everything opened registers how to close it. */
export class DataSession {
  private readonly closers: (() => void)[] = [];
  /** Set once the deadline passed or the probe was cancelled: loops stop at their next turn. */
  done = false;
  /** Whether the body finished by itself without throwing: its connections may be reused. */
  clean = false;
  readonly deadline: number;
  /** The check's whole timeout, for what outlives one probe (a pooled connection's limits). */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.deadline = performance.now() + timeoutMs;
  }

  /** Registers a client's hard close (a socket destroy, never a polite QUIT that could hang). */
  own<T>(client: T, close: (client: T) => void): T {
    this.closers.push(() => close(client));
    return client;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  closeAll(): void {
    for (const close of this.closers.splice(0)) {
      try {
        close();
      } catch {
        // A client that fails to close is closed as far as this probe can make it.
      }
    }
  }
}

/**
 * Reads a password from the environment variable a check names: null when none is named;
 * a missing variable is the observer's configuration fault, never the target's.
 */
export function passwordFrom(
  name: string | undefined,
  field: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { ok: true; password: string | undefined } | { ok: false; message: string } {
  if (name === undefined) return { ok: true, password: undefined };
  const value = env[name];
  if (value === undefined || value === '') {
    return { ok: false, message: `environment variable ${name} (${field}) is not set: the check cannot be probed` };
  }
  return { ok: true, password: value };
}

/** Waits `ms`, or less when the session ends first. For the canary's polling only. */
export function pause(session: DataSession, ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(ms, session.remainingMs())));
}

/**
 * Runs a probe body under the check's timeout and the engine's cancel signal. Never throws: a
 * thrown error is classified (network, authentication, protocol, server error).
 */
export async function runDataProbe(
  check: { id: string; timeoutMs: number },
  signal: AbortSignal | undefined,
  body: (session: DataSession) => Promise<DataOutcome>,
): Promise<ProbeResult> {
  const watch = new ProbeStopwatch(check.id);
  const session = new DataSession(check.timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<DataOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, errorClass: 'timeout', message: `no answer within ${check.timeoutMs} ms` }),
      check.timeoutMs,
    );
    onAbort = () => resolve({ ok: false, errorClass: 'probe_error', message: 'probe cancelled' });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  const work = body(session).then(
    (outcome) => {
      session.clean = !session.done;
      return outcome;
    },
    (error: unknown): DataOutcome => ({ ok: false, ...classifyDataError(error) }),
  );
  const outcome = await Promise.race([work, stop]);
  session.done = true;
  clearTimeout(timer);
  if (onAbort) signal?.removeEventListener('abort', onAbort);
  session.closeAll();
  // The losing body may still reject as its sockets close; it has nothing left to say.
  work.catch(() => {});
  return watch.result(outcome.ok, outcome.errorClass, outcome.message.slice(0, 1_000), {
    ...(outcome.degraded ? { degraded: true } : {}),
    ...(outcome.replication ? { replication: outcome.replication } : {}),
    ...(outcome.shortage ? { shortage: outcome.shortage } : {}),
  });
}
