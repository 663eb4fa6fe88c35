import type { Direction } from '../policy.ts';

/** What an action knows about the switch it takes part in. */
export interface ActionContext {
  policyId: string;
  policyName: string;
  direction: Direction;
  reason: string;
  primary: string;
  backup: string;
  /** The value the record (or target) is set to: the backup when failing over, the primary when failing back. */
  value: string;
  /** The value it had before. */
  previous: string;
  record: { name: string; type: 'A' | 'AAAA' | 'CNAME'; ttlMs: number } | null;
  /** The run's number, for messages; absent where no run exists (a describe for the docs). */
  run?: number;
  /** The incident the run belongs to, for messages; null or absent when none is open. */
  incident?: IncidentSummary | null;
  /** Where secrets are looked up (`*_env` fields); the process environment outside tests. */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted at the attempt's timeout: an action must stop its I/O when it fires. */
  signal: AbortSignal;
}

export interface IncidentSummary {
  id: string;
  title: string;
  severity: string;
  rootCause: string;
}

export interface ActionOutcome {
  ok: boolean;
  message: string;
  /** Structured detail for the audit log (response codes, change ids, captured output…). */
  detail?: Record<string, unknown>;
}

/** One configured action: describes its request (for the audit log and dry runs), then runs it. */
export interface FailoverAction {
  readonly type: string;
  readonly name: string;
  /** Whether it changes DNS, so the runner follows propagation afterwards. */
  readonly changesDns: boolean;
  /** Exactly what `run` would do, without secrets. */
  describe(context: Omit<ActionContext, 'signal'>): Record<string, unknown>;
  /** Never throws for a failure of the target: returns ok false with a message. */
  run(context: ActionContext): Promise<ActionOutcome>;
}

/** Reads a secret named by an `*_env` field; the message never contains the value. */
export function secretFrom(env: ActionContext['env'], name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error && cause.message && !error.message.includes(cause.message)
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}
