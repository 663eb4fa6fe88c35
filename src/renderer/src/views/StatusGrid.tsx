import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { CheckView, ComponentView, ImpactRole, Status } from '../../../shared/model.ts';
import { CheckTile } from '../components/CheckTile.tsx';
import { naturalCompare } from '../format.ts';
import { isStale } from '../freshness.ts';
import { href } from '../route.ts';
import { useBoard } from '../store.ts';
import { STATUS_RANK, STATUS_STYLE, worstStatus } from '../status-style.ts';
import { useNow } from '../use-now.ts';

const FILTERS: (Status | 'all' | 'problems')[] = ['all', 'problems', 'down', 'degraded', 'unknown', 'up'];
/** Tiles only age in 5-second steps: a second's precision is not worth re-rendering every tile. */
const TILE_CLOCK_MS = 5_000;

/** Checks grouped by region, worst first; engineers filter by status and search by name. */
export function StatusGrid({ wall, params }: { wall: boolean; params: URLSearchParams }) {
  const checks = useBoard((s) => s.board?.checks);
  const regions = useBoard((s) => s.board?.regions);
  const components = useBoard((s) => s.board?.components);
  const roles = useMemo(() => checkRoles(components ?? []), [components]);
  const source = useBoard((s) => s.board?.config.source);
  const connected = useBoard((s) => s.connection === 'live');
  const now = useNow(1000);
  const tileNow = Math.floor(now / TILE_CLOCK_MS) * TILE_CLOCK_MS;
  const [filter, setFilter] = useState(() => parseFilter(params.get('filter')));
  const [query, setQuery] = useState(() => params.get('q') ?? '');
  const deferredQuery = useDeferredValue(query);
  useFilterInUrl(filter, deferredQuery, wall);

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
    // Worst region first (config order among equals); in each, worst check first, the root
    // cause's checks ahead of their knock-ons, names as people count.
    return [...new Set(order)]
      .filter((id) => byRegion.has(id))
      .map((id, index) => ({
        id,
        index,
        name: regions?.find((r) => r.id === id)?.name ?? (id || 'Other'),
        checks: byRegion
          .get(id)!
          .sort(
            (a, b) =>
              STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
              Number(roles.get(b.id) === 'root_cause') - Number(roles.get(a.id) === 'root_cause') ||
              naturalCompare(a.name, b.name),
          ),
      }))
      .map((g) => ({ ...g, status: worstStatus(g.checks.map((c) => c.status)) }))
      .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.index - b.index);
  }, [checks, regions, roles, filter, deferredQuery]);

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
          roles={roles}
          now={now}
          tileNow={tileNow}
          connected={connected}
          lazy={checks.length > LAZY_ABOVE}
        />
      ))}
    </div>
  );
}

type Filter = (typeof FILTERS)[number];

function parseFilter(value: string | null): Filter {
  return FILTERS.find((f) => f === value) ?? 'all';
}

/**
 * The filter and search live in the URL, so an engineer can share "the problems in London" or
 * reload without losing them. Replaced in place: typing must not fill the history.
 */
function useFilterInUrl(filter: Filter, query: string, wall: boolean): void {
  useEffect(() => {
    if (wall) return;
    const params: Record<string, string> = {};
    if (filter !== 'all') params.filter = filter;
    if (query.trim()) params.q = query.trim();
    const next = href('checks', null, params);
    if (window.location.hash !== next) history.replaceState(history.state, '', next);
  }, [filter, query, wall]);
}

/** Above this many checks, regions off screen render no tiles (a plain placeholder instead). */
const LAZY_ABOVE = 300;

const RegionSection = memo(function RegionSection({
  id,
  name,
  checks,
  roles,
  now,
  tileNow,
  connected,
  lazy,
}: {
  id: string;
  name: string;
  checks: CheckView[];
  roles: ReadonlyMap<string, ImpactRole>;
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
  const counts = countStatuses(checks);
  return (
    <section ref={ref} className="region" data-testid={`region-${id || 'other'}`} aria-label={name}>
      <h2>
        {name}
        <span className="region-count" data-testid={`region-count-${id || 'other'}`}>
          {counts.down > 0 && <span className="c-down">■ {counts.down} down</span>}
          {counts.degraded > 0 && <span className="c-degraded">▲ {counts.degraded} degraded</span>}
          {counts.unknown > 0 && <span className="c-unknown">? {counts.unknown} unknown</span>}
          <span>
            {checks.length} check{checks.length === 1 ? '' : 's'}
          </span>
        </span>
      </h2>
      {visible ? (
        <div className="tiles">
          {checks.map((check) => {
            const stale = isStale(check, now, connected);
            const clock = stale || check.status !== 'up' ? tileNow : 0;
            return <CheckTile key={check.id} check={check} now={clock} stale={stale} role={roles.get(check.id)} />;
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

function countStatuses(checks: readonly CheckView[]): Record<Status, number> {
  const counts: Record<Status, number> = { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}

/**
 * Each check's part in what is going wrong, from the components it belongs to: the root cause
 * wins over a knock-on, so the tile of the failing edge says CAUSE even if it is also behind something.
 */
function checkRoles(components: readonly ComponentView[]): Map<string, ImpactRole> {
  const roles = new Map<string, ImpactRole>();
  for (const component of components) {
    if (component.role === 'healthy') continue;
    for (const id of component.checks) if (roles.get(id) !== 'root_cause') roles.set(id, component.role);
  }
  return roles;
}
