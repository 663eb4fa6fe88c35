import type { Notice } from '../../shared/model.ts';
import type { Toast } from './ui-store.ts';

export const TONE = { critical: 'critical', warning: 'warning', info: 'info' } as const;

/** One toast for a burst of notices: the count by severity, and the worst first by name. */
export function groupToast(notices: readonly Notice[]): Omit<Toast, 'id'> & { id: string } {
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  const sorted = [...notices].sort((a, b) => rank[a.severity] - rank[b.severity]);
  const count = (s: Notice['severity']) => notices.filter((n) => n.severity === s).length;
  const parts = [
    [count('critical'), 'critical'],
    [count('warning'), 'warning'],
    [count('info'), 'update'],
  ] as const;
  return {
    id: `group-${sorted[0]!.id}`,
    title: `${notices.length} notices: ${parts
      .filter(([n]) => n > 0)
      .map(([n, word]) => `${n} ${word}${n === 1 || word === 'critical' ? '' : 's'}`)
      .join(', ')}`,
    body: sorted.map((n) => n.title).join(' · '),
    tone: TONE[sorted[0]!.severity],
    incidentId: null,
  };
}
