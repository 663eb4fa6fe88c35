/**
 * Which vantages saw something, for people: "3 vantages: this machine, Singapore, Tokyo". The
 * incident timeline (engine) and the board's incident cards (renderer) say it the same way.
 */
export function describeSeenBy(names: readonly string[]): string {
  return `${names.length} vantage${names.length === 1 ? '' : 's'}: ${names.join(', ')}`;
}
