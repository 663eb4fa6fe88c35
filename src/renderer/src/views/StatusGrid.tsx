import { useMemo } from 'react';
import type { BoardSnapshot, CheckView } from '../../../shared/model.ts';
import { CheckTile } from '../components/CheckTile.tsx';
import { isStale } from '../freshness.ts';
import { STATUS_RANK } from '../status-style.ts';

interface Props {
  board: BoardSnapshot;
  now: number;
  connected: boolean;
}

/** Checks grouped by region, worst first within each region. */
export function StatusGrid({ board, now, connected }: Props) {
  const groups = useMemo(() => {
    const byRegion = new Map<string, CheckView[]>();
    for (const check of board.checks) {
      const key = check.region ?? '';
      const list = byRegion.get(key) ?? [];
      list.push(check);
      byRegion.set(key, list);
    }
    const order = [...board.regions.map((r) => r.id), ''];
    return order
      .filter((id) => byRegion.has(id))
      .map((id) => ({
        id,
        name: board.regions.find((r) => r.id === id)?.name ?? 'Other',
        checks: byRegion
          .get(id)!
          .slice()
          .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.name.localeCompare(b.name)),
      }));
  }, [board.checks, board.regions]);

  if (board.checks.length === 0) {
    return <p className="empty">No checks configured in {board.config.source}.</p>;
  }
  return (
    <main className="grid-view">
      {groups.map((group) => {
        const down = group.checks.filter((c) => c.status === 'down').length;
        return (
          <section
            key={group.id}
            className="region"
            data-testid={`region-${group.id || 'other'}`}
            aria-label={group.name}
          >
            <h2>
              {group.name}
              <span className="region-count">{down > 0 ? `■ ${down} down` : `${group.checks.length} checks`}</span>
            </h2>
            <div className="tiles">
              {group.checks.map((check) => (
                <CheckTile key={check.id} check={check} now={now} stale={isStale(check, now, connected)} />
              ))}
            </div>
          </section>
        );
      })}
    </main>
  );
}
