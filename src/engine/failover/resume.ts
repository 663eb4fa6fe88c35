/**
 * Whether a run interrupted by a restart can be taken up again, read from its audit alone (pure).
 *
 * The audit says, per action, whether it was asked (`action_request`) and how it ended
 * (`action_result`). An action that ended well is not run again; one never asked runs as usual.
 * One asked with no answer recorded is in doubt: it may or may not have happened. Running it
 * again is safe only when it sets a value (a DNS record, a server's state) or the config says it
 * is idempotent; a webhook or a command in doubt makes the run unresumable, and an engineer
 * decides. Propagation waits and verification are reads: they always run again.
 */
import type { Direction } from './policy.ts';

export interface AuditEntry {
  at: number;
  step: string;
  detail: Record<string, unknown>;
}

export interface ResumableAction {
  name: string;
  type: string;
  /** The config's `idempotent`, when given. */
  idempotent?: boolean;
}

export interface ResumePlan {
  ok: boolean;
  /** In words, for the audit and the board. */
  why: string;
  /** Indexes (among the run's selected actions) that ended well: not run again. */
  done: number[];
}

const SETS_A_VALUE = new Set(['dns_update', 'route53', 'haproxy']);

export function isIdempotent(action: ResumableAction): boolean {
  return action.idempotent ?? SETS_A_VALUE.has(action.type);
}

export function resumePlan(
  entries: readonly AuditEntry[],
  run: number,
  direction: Direction,
  actions: readonly ResumableAction[],
): ResumePlan {
  const mine = entries.filter((e) => e.detail.run === run && (e.detail.direction ?? direction) === direction);
  const finished = mine.find((e) => e.step === 'finished');
  if (finished && finished.detail.ok !== true) {
    return { ok: false, why: `the run had already failed: ${String(finished.detail.message)}`, done: [] };
  }
  const asked = new Set<number>();
  const done = new Set<number>();
  for (const e of mine) {
    const index = typeof e.detail.index === 'number' ? e.detail.index : null;
    if (index === null) continue;
    if (e.step === 'action_request') {
      asked.add(index);
    } else if (e.step === 'action_result' && e.detail.interrupted !== true) {
      asked.delete(index);
      if (e.detail.ok === true) done.add(index);
    }
  }
  for (const index of asked) {
    const action = actions[index];
    if (!action) return { ok: false, why: `action ${index} of the run is no longer in the config`, done: [] };
    if (!isIdempotent(action)) {
      return {
        ok: false,
        why: `${action.name} (${action.type}) was under way and may or may not have happened`,
        done: [],
      };
    }
  }
  const doneList = [...done].sort((a, b) => a - b);
  const next = actions.findIndex((_, i) => !done.has(i));
  const why =
    next === -1
      ? `all ${actions.length} actions had run; verifying again`
      : doneList.length === 0
        ? `taking up from ${actions[next]!.name}${asked.has(next) ? ' (asked again: it sets a value)' : ''}`
        : `${doneList.length} of ${actions.length} actions had run; taking up from ${actions[next]!.name}`;
  return { ok: true, why, done: doneList };
}
