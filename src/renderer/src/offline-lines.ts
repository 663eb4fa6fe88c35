/** One line of the wall's offline-agents banner: the vantages that are offline for one reason. */
export interface OfflineLine {
  names: string[];
  reason: string;
}

export interface OfflineSummary {
  lines: OfflineLine[];
  /** Offline vantages on no line shown (the Vantages view has them). */
  more: number;
}

/** What an offline vantage says when it has no reason of its own. */
export const NO_REASON = 'not voting';

/**
 * The offline agents as the wall's banner says them: vantages with the same reason on one line
 * (a fleet the centre refuses for one cause, or cut off together, is one fact, said once), the
 * lines naming the most vantages first (in the board's order where they tie), at most `max`
 * lines; the vantages on the lines left out are counted. The banner's height is then bounded
 * however many agents are offline and however long their reasons are.
 */
export function offlineLines(offline: readonly { name: string; reason: string | null }[], max: number): OfflineSummary {
  const byReason = new Map<string, string[]>();
  for (const v of offline) {
    const reason = v.reason ?? NO_REASON;
    const names = byReason.get(reason);
    if (names) names.push(v.name);
    else byReason.set(reason, [v.name]);
  }
  // Array.prototype.sort is stable: equal counts keep the order of first appearance.
  const all = [...byReason]
    .map(([reason, names]) => ({ names, reason }))
    .sort((a, b) => b.names.length - a.names.length);
  const lines = all.slice(0, Math.max(0, max));
  return { lines, more: all.slice(lines.length).reduce((sum, line) => sum + line.names.length, 0) };
}
