import { useDeferredValue, useMemo, useState } from 'react';
import type { CheckView, Status } from '../../../shared/model.ts';
import { CheckTile } from '../components/CheckTile.tsx';
import { isStale } from '../freshness.ts';
import { useBoard } from '../store.ts';
import { STATUS_RANK, STATUS_STYLE } from '../status-style.ts';
import { useNow } from '../use-now.ts';

const FILTERS: (Status | 'all' | 'problems')[] = ['all', 'problems', 'down', 'degraded', 'unknown', 'up'];
/** Tiles only age in 5-second steps: a second's precision is not worth re-rendering every tile. */
const TILE_CLOCK_MS = 5_000;

/** Checks grouped by region, worst first; engineers filter by status and search by name. */
export function StatusGrid({ wall }: { wall: boolean }) {
  const checks = useBoard((s) => s.board?.checks);
  const regions = useBoard((s) => s.board?.regions);
  const source = useBoard((s) => s.board?.config.source);
  const connected = useBoard((s) => s.connection === 'live');
  const now = useNow(1000);
  const tileNow = Math.floor(now / TILE_CLOCK_MS) * TILE_CLOCK_MS;
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('all');
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);

  const groups = useMemo(() => {
    const q = deferredQuery.trim().toLowerCase();
    const keep = (c: CheckView) =>
      (filter === 'all' ||
        (filter === 'problems' ? c.status === 'down' || c.status === 'degraded' : c.status === filter)) &&
      (q === '' ||
        c.name.toLowerCase().includes(q) ||
        c.id.toLowerCase().includes(q) ||
        c.target.toLowerCase().includes(q) ||
        (c.errorClass ?? '').includes(q));
    const byRegion = new Map<string, CheckView[]>();
    for (const check of checks ?? []) {
      if (!keep(check)) continue;
      const key = check.region ?? '';
      const list = byRegion.get(key);
      if (list) list.push(check);
      else byRegion.set(key, [check]);
    }
    const order = [...(regions ?? []).map((r) => r.id), ...byRegion.keys()];
    return [...new Set(order)]
      .filter((id) => byRegion.has(id))
      .map((id) => ({
        id,
        name: regions?.find((r) => r.id === id)?.name ?? (id || 'Other'),
        checks: byRegion
          .get(id)!
          .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.name.localeCompare(b.name)),
      }));
  }, [checks, regions, filter, deferredQuery]);

  if (!checks || checks.length === 0) {
    return <p className="empty">No checks configured in {source ?? 'the config'}.</p>;
  }
  const shown = groups.reduce((n, g) => n + g.checks.length, 0);
  return (
    <div className="grid-view" data-testid="view-checks">
      {!wall && (
        <div className="filters" role="search">
          <label className="search">
            <span className="sr-only">Search checks</span>
            <input
              type="search"
              placeholder="Search checks  ( / )"
              title="Name, id, target or error class"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              data-testid="check-search"
              id="check-search"
            />
          </label>
          <div className="filter-buttons" role="group" aria-label="Filter by status">
            {FILTERS.map((f) => (
              <button
                key={f}
                type="button"
                aria-pressed={filter === f}
                onClick={() => setFilter(f)}
                data-testid={`filter-${f}`}
              >
                {f === 'all' || f === 'problems' ? f : `${STATUS_STYLE[f].glyph} ${f}`}
              </button>
            ))}
          </div>
          <span className="muted" data-testid="check-count">
            {shown} of {checks.length} checks
          </span>
        </div>
      )}
      {groups.length === 0 && <p className="empty">No checks match.</p>}
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
              <span className="region-count">
                {down > 0 ? `■ ${down} down` : `${group.checks.length} check${group.checks.length === 1 ? '' : 's'}`}
              </span>
            </h2>
            <div className="tiles">
              {group.checks.map((check) => (
                <CheckTile key={check.id} check={check} now={tileNow} stale={isStale(check, now, connected)} />
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}
