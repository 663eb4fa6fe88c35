import { useMemo } from 'react';
import { describeSeenBy } from '../../../shared/seen-by.ts';
import { vantageName } from '../format.ts';
import { useBoard } from '../store.ts';

/**
 * What names the vantages have: a key that changes only when a name does. The board's list of
 * vantages is new with every agent sync (last seen, clock skew), several times a second at a
 * centre; a view that only shows names must not re-render for that.
 */
function namesKey(vantages: readonly { id: string; name: string; kind?: string }[] | undefined): string {
  return (vantages ?? []).map((v) => `${v.id}\u0000${v.kind ?? 'local'}\u0000${v.name}`).join('\u0001');
}

/** `vantageName` (format.ts) against the board's vantages, re-rendering only when a name changes. */
export function useVantageName(): (id: string | undefined) => string {
  const key = useBoard((s) => namesKey(s.board?.vantages));
  return useMemo(() => {
    const vantages = useBoard.getState().board?.vantages;
    return (id: string | undefined) => vantageName(vantages, id);
    // `key` says everything the names depend on: the list read here has the names it says.
  }, [key]);
}

/**
 * Which vantages saw an incident's root cause down, by name ("3 vantages: this machine,
 * Singapore, Tokyo"): what tells an outage from one observer's trouble. Null where this machine
 * is the only observer (a board without agents reads as it always did).
 */
export function useSeenFrom(seenBy: readonly string[] | undefined): string | null {
  const name = useVantageName();
  const localId = useBoard((s) => s.board?.vantage.id);
  if (!seenBy || seenBy.length === 0 || (seenBy.length === 1 && seenBy[0] === localId)) return null;
  return describeSeenBy(seenBy.map(name));
}
