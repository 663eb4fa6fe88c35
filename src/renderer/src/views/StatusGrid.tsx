import { memo, useCallback, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { CheckView, ComponentView, ImpactRole, Status } from '../../../shared/model.ts';
import { CheckTile } from '../components/CheckTile.tsx';
import { groupChecks, NameOrder, type GridGroup } from '../grid-layout.ts';
import { remPx, useSize } from '../hooks/use-size.ts';
import { href } from '../route.ts';
import { useBoard } from '../store.ts';
import { STATUS_STYLE } from '../status-style.ts';

const FILTERS: (Status | 'all' | 'problems')[] = ['all', 'problems', 'down', 'degraded', 'unknown', 'up'];

/** Tile geometry, in rem: the grid's columns and rows are set from these, so the windowing's sums are exact. */
const TILE_MIN_REM = 17;
const TILE_ROW_REM = 9.6;
const TILE_GAP_REM = 0.8;

/**
 * Checks grouped by region, worst first; engineers filter by status and search by name. Only
 * the rows of tiles on and near the screen are rendered (see RegionSection), and the grid
 * itself re-renders only when something moves: each tile follows its own check.
 */
export function StatusGrid({ wall, params }: { wall: boolean; params: URLSearchParams }) {
  // Deferred: when checks move, the grid is laid out again in a render React can interrupt, so
  // a delta's tiles (each following its own check) never wait behind the whole grid's layout.
  const layout = useDeferredValue(useBoard(useShallow(pickLayout)));
  const checks = layout.checks;
  const roster = layout.roster;
  const regions = useBoard((s) => s.board?.regions);
  const components = useBoard((s) => s.board?.components);
  const roles = useMemo(() => checkRoles(components ?? []), [components]);
  const source = useBoard((s) => s.board?.config.source);
  const total = useBoard((s) => s.summary?.total ?? 0);
  const [filter, setFilter] = useState(() => parseFilter(params.get('filter')));
  const [query, setQuery] = useState(() => params.get('q') ?? '');
  const deferredQuery = useDeferredValue(query);
  useFilterInUrl(filter, deferredQuery, wall);
  const [names] = useState(() => new NameOrder());

  const groups = useMemo(() => {
    const q = deferredQuery.trim().toLowerCase();
    const keep =
      filter === 'all' && q === ''
        ? null
        : (c: CheckView) =>
            (filter === 'all' ||
              (filter === 'problems' ? c.status === 'down' || c.status === 'degraded' : c.status === filter)) &&
            (q === '' ||
              c.name.toLowerCase().includes(q) ||
              c.id.toLowerCase().includes(q) ||
              c.target.toLowerCase().includes(q) ||
              // An instance's labels are its target: `instance="10.0.0.5:9100"` finds it.
              (c.errorClass ?? '').includes(q));
    return groupChecks(checks ?? [], roster ?? [], regions ?? [], roles, keep, names);
  }, [checks, roster, regions, roles, filter, deferredQuery, names]);

  if (!checks || checks.length === 0) {
    return <p className="empty">No checks configured in {source ?? 'the config'}.</p>;
  }
  const shown = groups.reduce((n, g) => n + g.ids.length - g.instances, 0);
  return (
    <div className="grid-view" data-testid="view-checks">
      {!wall && (
        <div className="filters" role="search">
          <label className="search">
            <span className="sr-only">Search checks</span>
            <input
              type="search"
              placeholder="Search checks  ( / )"
              title="Name, id, target (an instance's labels) or error class"
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
            {shown} of {total} checks
          </span>
        </div>
      )}
      {groups.length === 0 && <p className="empty">No checks match.</p>}
      <Regions groups={groups} roles={roles} wall={wall} />
    </div>
  );
}

/** The region sections, laid out for the width they have. */
function Regions({
  groups,
  roles,
  wall,
}: {
  groups: GridGroup[];
  roles: ReadonlyMap<string, ImpactRole>;
  wall: boolean;
}) {
  const [box, size] = useSize<HTMLDivElement>();
  // The wall's type is larger: the rem is read again when the width or the mode changes.
  const geometry = useMemo(() => tileGeometry(size.width, remPx()), [size.width, wall]);
  return (
    <div className="grid-regions" ref={box}>
      {geometry &&
        groups.map((group, index) => (
          <RegionSection
            key={group.id}
            group={group}
            roles={roles}
            geometry={geometry}
            // Where the section sits changes when a section above it changes: measure again then.
            place={groups
              .slice(0, index)
              .map((g) => `${g.id}:${g.ids.length}`)
              .join(' ')}
          />
        ))}
    </div>
  );
}

type Filter = (typeof FILTERS)[number];

/** Both arrays at once, so a deferred render never pairs a layout with another roster. */
function pickLayout(s: { layoutChecks: CheckView[] | null; rosterChecks: CheckView[] | null }) {
  return { checks: s.layoutChecks, roster: s.rosterChecks };
}

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

interface Geometry {
  columns: number;
  /** A row of tiles and the gap below it, in px. */
  pitch: number;
  gap: number;
}

/** Columns as `repeat(auto-fill, minmax(17rem, 1fr))` would make them, worked out here so rows can be counted. */
function tileGeometry(width: number, rem: number): Geometry | null {
  if (width <= 0) return null;
  const gap = TILE_GAP_REM * rem;
  return {
    columns: Math.max(1, Math.floor((width + gap) / (TILE_MIN_REM * rem + gap))),
    pitch: TILE_ROW_REM * rem + gap,
    gap,
  };
}

/** Scrolls and resizes of the window, at most once a frame, to every section that windows its tiles. */
const viewportListeners = new Set<() => void>();
let viewportFrame = 0;
function onViewportChange(listener: () => void): () => void {
  const schedule = () => {
    if (viewportFrame === 0)
      viewportFrame = requestAnimationFrame(() => {
        viewportFrame = 0;
        for (const l of viewportListeners) l();
      });
  };
  if (viewportListeners.size === 0) {
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
  }
  viewportListeners.add(listener);
  return () => {
    viewportListeners.delete(listener);
    if (viewportListeners.size === 0) {
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
    }
  };
}

/**
 * One region: its heading with every status counted, and its tiles, of which only the rows
 * within a screen's height of the visible part are rendered (at most a few hundred tiles at any
 * size of board). The tiles' box keeps the height of every row, so the page scrolls as if all
 * were there; the rows above the window are padding.
 */
const RegionSection = memo(function RegionSection({
  group,
  roles,
  geometry,
  place,
}: {
  group: GridGroup;
  roles: ReadonlyMap<string, ImpactRole>;
  geometry: Geometry;
  place: string;
}) {
  const { id, name, ids, counts, instances } = group;
  const { columns, pitch, gap } = geometry;
  const rows = Math.ceil(ids.length / columns);
  const tiles = useRef<HTMLDivElement>(null);
  const [[first, last], setWindow] = useState<[number, number]>([0, 0]);
  const measure = useCallback(() => {
    const el = tiles.current;
    if (!el) return;
    const top = el.getBoundingClientRect().top;
    const screen = window.innerHeight;
    const from = Math.min(rows, Math.max(0, Math.floor((-top - screen) / pitch)));
    const to = Math.min(rows, Math.max(from, Math.ceil((2 * screen - top) / pitch)));
    setWindow((w) => (w[0] === from && w[1] === to ? w : [from, to]));
  }, [rows, pitch]);
  // Before paint, and again whenever the rows or the sections above change.
  useLayoutEffect(measure, [measure, place]);
  useEffect(() => onViewportChange(measure), [measure]);
  return (
    <section className="region" data-testid={`region-${id || 'other'}`} aria-label={name}>
      <h2>
        {name}
        <span className="region-count" data-testid={`region-count-${id || 'other'}`}>
          {counts.down > 0 && <span className="c-down">■ {counts.down} down</span>}
          {counts.degraded > 0 && <span className="c-degraded">▲ {counts.degraded} degraded</span>}
          {counts.unknown > 0 && <span className="c-unknown">? {counts.unknown} unknown</span>}
          <span>
            {ids.length - instances} check{ids.length - instances === 1 ? '' : 's'}
            {instances > 0 && `, ${instances} instance${instances === 1 ? '' : 's'}`}
          </span>
        </span>
      </h2>
      <div
        ref={tiles}
        className="tiles"
        style={{
          gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
          gridAutoRows: `${TILE_ROW_REM}rem`,
          gap: `${TILE_GAP_REM}rem`,
          height: Math.max(0, rows * pitch - gap),
          paddingTop: first * pitch,
        }}
      >
        {ids.slice(first * columns, last * columns).map((checkId) => (
          <CheckTile key={checkId} id={checkId} role={roles.get(checkId)} />
        ))}
      </div>
    </section>
  );
});

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
