import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
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
      {groups.map((group) => (
        <RegionSection
          key={group.id}
          id={group.id}
          name={group.name}
          checks={group.checks}
          now={now}
          tileNow={tileNow}
          connected={connected}
          lazy={checks.length > LAZY_ABOVE}
        />
      ))}
    </div>
  );
}

/** Above this many checks, regions off screen render no tiles (a plain placeholder instead). */
const LAZY_ABOVE = 300;

const RegionSection = memo(function RegionSection({
  id,
  name,
  checks,
  now,
  tileNow,
  connected,
  lazy,
}: {
  id: string;
  name: string;
  checks: CheckView[];
  now: number;
  tileNow: number;
  connected: boolean;
  lazy: boolean;
}) {
  const ref = useRef<HTMLElement>(null);
  const [visible, setVisible] = useState(!lazy);
  const height = useRef(0);
  useEffect(() => {
    if (!lazy) return setVisible(true);
    const el = ref.current;
    if (!el) return;
    // Thousands of tiles are not worth reconciling four times a second when nobody can see them.
    const observer = new IntersectionObserver(
      ([entry]) => {
        if (!entry) return;
        // The observer already measured the section: keep its height for the placeholder
        // without forcing a layout of our own.
        if (!entry.isIntersecting) height.current = entry.boundingClientRect.height;
        setVisible(entry.isIntersecting);
      },
      { rootMargin: '400px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [lazy]);
  const down = checks.reduce((n, c) => n + (c.status === 'down' ? 1 : 0), 0);
  return (
    <section ref={ref} className="region" data-testid={`region-${id || 'other'}`} aria-label={name}>
      <h2>
        {name}
        <span className="region-count">
          {down > 0 ? `■ ${down} down` : `${checks.length} check${checks.length === 1 ? '' : 's'}`}
        </span>
      </h2>
      {visible ? (
        <div className="tiles">
          {checks.map((check) => {
            const stale = isStale(check, now, connected);
            const clock = stale || check.status !== 'up' ? tileNow : 0;
            return <CheckTile key={check.id} check={check} now={clock} stale={stale} />;
          })}
        </div>
      ) : (
        <div
          className="tiles-placeholder"
          style={{ height: height.current || `${Math.ceil(checks.length / 6) * 9}rem` }}
        />
      )}
    </section>
  );
});
