import { vantageName } from '../format.ts';
import { useBoard } from '../store.ts';

/**
 * Which vantages saw an incident's root cause down, by name ("3 vantages: this machine,
 * Singapore, Tokyo"): what tells an outage from one observer's trouble. Null where this machine
 * is the only observer (a board without agents reads as it always did).
 */
export function useSeenFrom(seenBy: readonly string[] | undefined): string | null {
  const vantages = useBoard((s) => s.board?.vantages);
  const localId = useBoard((s) => s.board?.vantage.id);
  if (!seenBy || seenBy.length === 0 || (seenBy.length === 1 && seenBy[0] === localId)) return null;
  const names = seenBy.map((id) => vantageName(vantages, id)).join(', ');
  return `${seenBy.length} vantage${seenBy.length === 1 ? '' : 's'}: ${names}`;
}
