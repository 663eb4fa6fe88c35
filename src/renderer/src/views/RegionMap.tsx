import { useMemo } from 'react';
import type { CheckView, ComponentView, IncidentView, Status, VantageView } from '../../../shared/model.ts';
import { StatusShape } from '../components/StatusShape.tsx';
import { href } from '../route.ts';
import { remPx, useSize } from '../hooks/use-size.ts';
import { countryPaths, curve, curveMidpoint, fitProjection } from '../map-geometry.ts';
import { compareIncidents } from '../../../shared/incident-order.ts';
import { placeLabels, spreadMarkers, type Box, type Placed } from '../map-labels.ts';
import { replicationLinkLabel } from '../replication-format.ts';
import { summariseRegions } from '../regions.ts';
import { useBoard, useConfigChecks } from '../store.ts';
import { STATUS_RANK, STATUS_STYLE, worstStatus } from '../status-style.ts';

interface Node {
  key: string;
  id: string;
  name: string;
  status: Status;
  x: number;
  y: number;
  role: ComponentView['role'] | null;
  /** What the marker links to: a region's own marker links nowhere. */
  kind: 'region' | 'component' | 'check';
  anchor?: 'start' | 'middle' | 'end';
  labelDx?: number;
  labelDy?: number;
  /** Region markers: how far out their items sit, so the labels clear them. */
  radius?: number;
}

interface Edge {
  key: string;
  from: Node;
  to: Node;
  status: Status;
  cross: boolean;
  /** Part of a knock-on chain from a root cause: drawn moving, from cause to effect. */
  spread: boolean;
  /** A replication link's lag ("lag 2.3 s", "replication stopped"), drawn at its middle. */
  label?: string;
}

const MAX_ITEMS_PER_REGION = 12;
const MAX_ITEMS_MANY_REGIONS = 6;
/** More regions than this and each region's components collapse into one cluster marker with counts. */
const CLUSTER_ABOVE_REGIONS = 4;
/** Above this many items the map labels only root causes: a wall of overlapping names helps nobody. */
const LABEL_ITEMS_UP_TO = 36;

/**
 * The offline region map: regions as big markers, their components (or checks) around them,
 * dependency links coloured by the health of what is depended on, and the knock-on spread from
 * a root cause drawn as moving arrows from cause to effect.
 */
export function RegionMap() {
  const regions = useBoard((s) => s.board?.regions);
  const checks = useConfigChecks();
  const components = useBoard((s) => s.board?.components);
  const incidents = useBoard((s) => s.board?.incidents);
  const vantages = useBoard((s) => s.board?.vantages);
  const [ref, size] = useSize<HTMLDivElement>();
  // The root font size follows the viewport (CSS), so re-read it whenever the size changes.
  const rem = useMemo(() => (size.width >= 0 ? remPx() : 16), [size.width]);

  // Vantages placed on the map (agents with a position) are fitted in view with the regions.
  const placed = useMemo(
    () =>
      (vantages ?? []).flatMap((v) =>
        v.kind === 'agent' && v.lat != null && v.lon != null ? [{ ...v, lat: v.lat, lon: v.lon }] : [],
      ),
    [vantages],
  );
  const projection = useMemo(
    () =>
      size.width > 0
        ? fitProjection(
            [
              ...(regions ?? []),
              ...placed.map((v) => ({
                id: `vantage:${v.id}`,
                name: v.name,
                lat: v.lat,
                lon: v.lon,
                providerRegion: null,
              })),
            ],
            size.width,
            size.height,
            4 * rem,
          )
        : null,
    [regions, placed, size.width, size.height, rem],
  );
  const land = useMemo(() => (projection ? countryPaths(projection) : []), [projection]);
  const summaries = useMemo(
    () => summariseRegions(regions ?? [], checks ?? [], components ?? []),
    [regions, checks, components],
  );
  const openIncidents = useMemo(() => (incidents ?? []).filter((i) => i.state === 'open'), [incidents]);

  const layout = useMemo(() => {
    if (!projection) return null;
    const regionNodes: (Node & { counts: string; cluster: boolean; at: { x: number; y: number } | null })[] = [];
    const items = new Map<string, Node>();
    const cluster = summaries.filter((s) => s.region).length > CLUSTER_ABOVE_REGIONS;
    const projected = new Map<string, { x: number; y: number }>();
    for (const s of summaries) {
      const p = s.region ? projection([s.region.lon, s.region.lat]) : null;
      if (p) projected.set(s.id, { x: p[0], y: p[1] });
    }
    // Neighbouring regions (London, Frankfurt) drawn apart so neither marker covers the other:
    // cluster rings side by side; component rings only need their centres clear of each other.
    const spread = new Map(
      spreadMarkers(
        [...projected].map(([id, p]) => ({ id, ...p })),
        (cluster ? 2.9 : 2.4) * rem,
      ).map((m) => [m.id, m]),
    );
    for (const s of summaries) {
      const placedAt = spread.get(s.id);
      if (!s.region || !placedAt) continue;
      const { x, y } = placedAt;
      regionNodes.push({
        at: placedAt.moved ? projected.get(s.id)! : null,
        key: `region:${s.id}`,
        id: s.id,
        name: s.name,
        status: s.status,
        x,
        y,
        role: null,
        kind: 'region',
        cluster,
        counts: cluster ? clusterCounts(s.items) : checkCounts(s.counts, s.total),
      });
      if (cluster) continue;
      // Placed by id, not by status: a marker never moves because something else failed.
      const shown = s.items
        .slice(0, summaries.length > 4 ? MAX_ITEMS_MANY_REGIONS : MAX_ITEMS_PER_REGION)
        .sort((a, b) => a.id.localeCompare(b.id));
      const radius = (3.6 + Math.max(0, shown.length - 4) * 0.35) * rem;
      // Offset by half a step so no item sits straight above or below the region's own labels.
      shown.forEach((item, i) => {
        const angle = -Math.PI / 2 + (2 * Math.PI * (i + 0.5)) / Math.max(shown.length, 1);
        const cos = Math.cos(angle);
        const node: Node = {
          key: `${item.kind}:${item.id}`,
          id: item.id,
          name: item.name,
          status: item.status,
          x: x + cos * radius,
          y: y + Math.sin(angle) * radius,
          role: item.role ?? null,
          kind: item.kind,
          anchor: cos > 0.25 ? 'start' : cos < -0.25 ? 'end' : 'middle',
          labelDx: cos > 0.25 ? 0.7 * rem : cos < -0.25 ? -0.7 * rem : 0,
          labelDy: Math.abs(cos) > 0.25 ? 0.3 * rem : Math.sin(angle) > 0 ? 1.3 * rem : -0.8 * rem,
        };
        items.set(node.key, node);
      });
      regionNodes[regionNodes.length - 1]!.radius = shown.length > 0 ? radius : 0;
    }
    const labelAll = items.size <= LABEL_ITEMS_UP_TO;
    // Probe agents' markers, moved off any region (or other agent) they would cover: a vantage
    // in the same city as a region is drawn beside it, a leader line back to its true place.
    const vantageAt = placed.flatMap((v) => {
      const p = projection([v.lon, v.lat]);
      return p ? [{ id: `vantage:${v.id}`, x: p[0], y: p[1], v }] : [];
    });
    const regionIds = new Set(regionNodes.map((r) => r.id));
    const vantageSpread = new Map(
      spreadMarkers(
        [
          ...regionNodes.map((r) => ({ id: r.id, x: r.x, y: r.y, r: regionReach(r, rem) })),
          ...vantageAt.map((v) => ({ ...v, r: (VANTAGE_SIZE_REM + 0.5) * rem })),
        ],
        2.4 * rem,
        40,
        regionIds,
      ).map((m) => [m.id, m]),
    );
    const vantageNodes: VantageNode[] = vantageAt.map(({ id, x, y, v }) => {
      const drawn = vantageSpread.get(id)!;
      return { id, v, x: drawn.x, y: drawn.y, at: drawn.moved ? { x, y } : null };
    });
    const vantageLabel = (v: VantageView) => `${v.name}${v.online ? '' : ' · offline'}`;
    const labels = new Map(
      placeLabels(
        [
          ...regionNodes.map((r) => ({
            id: r.id,
            x: r.x,
            y: r.y,
            r: regionReach(r, rem),
            // Estimated from the type sizes: the e2e test measures the drawn boxes.
            width:
              Math.max(
                r.name.length * 0.62 * 1.15,
                (STATUS_STYLE[r.status].label.length + 3 + r.counts.length) * 0.6 * 0.85,
              ) * rem,
            height: 2.7 * rem,
            priority: STATUS_RANK[r.status],
          })),
          // After every region's: a region's state is what the map is for.
          ...vantageNodes.map((n) => ({
            id: n.id,
            x: n.x,
            y: n.y,
            r: VANTAGE_SIZE_REM * rem,
            width: vantageLabel(n.v).length * 0.62 * VANTAGE_LABEL_REM * rem,
            height: 1.25 * VANTAGE_LABEL_REM * rem,
            priority: Object.keys(STATUS_RANK).length,
          })),
        ],
        { left: 0, top: 0, right: size.width, bottom: size.height },
        [...items.values()].flatMap((n) => itemBoxes(n, labelAll || n.role === 'root_cause', rem)),
      ).map((p) => [p.id, p]),
    );
    return {
      regionNodes,
      labels,
      items,
      labelAll,
      vantageNodes,
      edges: buildEdges(components ?? [], openIncidents, items, checks ?? []),
    };
  }, [projection, summaries, components, openIncidents, checks, placed, rem, size.width, size.height]);

  const links = useMemo(() => dependencyCounts(components ?? []), [components]);
  const drawn = layout?.edges.filter((e) => e.key.includes('->')).length ?? 0;
  const labelAll = layout?.labelAll ?? true;
  return (
    <div className="map-view" data-testid="view-map">
      <div className="map-canvas" ref={ref}>
        {layout && (
          <svg
            width={size.width}
            height={size.height}
            viewBox={`0 0 ${size.width} ${size.height}`}
            role="group" /* its markers are links: a group, not one image */
            aria-label={`Region map: ${layout.regionNodes.map((r) => `${r.name} ${r.status}`).join(', ')}`}
            data-testid="region-map"
          >
            <defs>
              {(['down', 'degraded', 'up', 'unknown', 'maintenance'] as Status[]).map((s) => (
                <marker
                  key={s}
                  id={`arrow-${s}`}
                  viewBox="0 0 10 10"
                  refX="9"
                  refY="5"
                  markerUnits="userSpaceOnUse"
                  markerWidth={0.75 * rem}
                  markerHeight={0.75 * rem}
                  orient="auto-start-reverse"
                >
                  <path d="M0,0 L10,5 L0,10 z" className={`arrowhead ${STATUS_STYLE[s].className}`} />
                </marker>
              ))}
            </defs>
            <g className="land" aria-hidden="true">
              {land.map((c) => (
                <path key={c.id} d={c.d} />
              ))}
            </g>
            <g className="links" aria-hidden="true">
              {layout.edges.map((e) => (
                <path
                  key={e.key}
                  d={linkPath(e, rem, curve)}
                  className={`link ${STATUS_STYLE[e.status].className}${e.spread ? ' spread' : ''}${e.cross ? ' cross' : ''}`}
                  strokeWidth={(e.spread ? 0.28 : e.cross ? 0.16 : 0.1) * rem}
                  markerEnd={`url(#arrow-${e.status})`}
                  data-testid={e.spread ? 'spread-link' : 'dependency-link'}
                />
              ))}
            </g>
            <g className="link-labels">
              {layout.edges
                .filter((e) => e.label)
                .map((e) => {
                  const at = linkPath(e, rem, curveMidpoint);
                  return (
                    <text
                      key={e.key}
                      x={at.x}
                      y={at.y}
                      textAnchor="middle"
                      className="link-label"
                      fontSize={0.75 * rem}
                      data-testid={`link-label-${e.key}`}
                    >
                      {e.label}
                    </text>
                  );
                })}
            </g>
            <g className="items">
              {[...layout.items.values()].map((n) => (
                // Each marker leads to its detail: a component's view, or a check's.
                <a
                  key={n.key}
                  href={href(n.kind === 'component' ? 'component' : 'check', n.id)}
                  aria-label={`${n.name}: ${n.status}`}
                >
                  <g
                    className={`map-item${n.role === 'root_cause' ? ' is-root' : ''}`}
                    data-testid={`map-item-${n.id}`}
                    data-status={n.status}
                  >
                    {n.role === 'root_cause' && <circle cx={n.x} cy={n.y} r={0.95 * rem} className="root-ring" />}
                    <StatusShape status={n.status} x={n.x} y={n.y} r={0.42 * rem} />
                    {(labelAll || n.role === 'root_cause') && (
                      <text
                        x={n.x + (n.labelDx ?? 0)}
                        y={n.y + (n.labelDy ?? 0)}
                        textAnchor={n.anchor ?? 'middle'}
                        className="item-label"
                        fontSize={0.8 * rem}
                      >
                        {n.name.length > 22 ? `${n.name.slice(0, 21)}…` : n.name}
                      </text>
                    )}
                    <title>{`${n.name}: ${n.status}`}</title>
                  </g>
                </a>
              ))}
            </g>
            <VantageLayer
              nodes={layout.vantageNodes}
              labels={layout.labels}
              checks={checks ?? []}
              regionAt={(id) => layout.regionNodes.find((r) => r.id === id) ?? null}
              rem={rem}
            />
            <g className="regions">
              {layout.regionNodes.map((r) => (
                <g key={r.key} className="region-marker" data-testid={`map-region-${r.id}`} data-status={r.status}>
                  {r.at && <MarkerLeader from={r.at} to={r} rem={rem} />}
                  <StatusShape status={r.status} x={r.x} y={r.y} r={(r.radius ? 0.7 : 0.9) * rem} />
                  {r.cluster && <circle cx={r.x} cy={r.y} r={1.3 * rem} className="cluster-ring" />}
                  <text
                    x={layout.labels.get(r.id)!.cx}
                    y={layout.labels.get(r.id)!.box.top + 1.05 * rem}
                    textAnchor="middle"
                    className="region-label"
                    fontSize={1.15 * rem}
                  >
                    {r.name}
                  </text>
                  <text
                    x={layout.labels.get(r.id)!.cx}
                    y={layout.labels.get(r.id)!.box.top + 2.3 * rem}
                    textAnchor="middle"
                    className={`region-state ${STATUS_STYLE[r.status].className}`}
                    fontSize={0.85 * rem}
                    data-testid={r.cluster ? `map-cluster-${r.id}` : undefined}
                  >
                    {STATUS_STYLE[r.status].label} · {r.counts}
                  </text>
                </g>
              ))}
            </g>
          </svg>
        )}
      </div>
      <aside className="map-side" aria-label="Map legend and knock-on effects">
        <h2>Knock-on</h2>
        {openIncidents.length === 0 ? (
          <p className="muted" data-testid="map-no-spread">
            No active incident: nothing is spreading.
          </p>
        ) : (
          <ul className="spread-list" data-testid="map-spread">
            {[...openIncidents].sort(compareIncidents).map((i) => (
              <li key={i.id}>
                {/* The incident's severity, not always the outage colour: a slow component is a warning. */}
                <strong className={i.severity === 'critical' ? 'c-down' : 'c-degraded'}>
                  {i.severity === 'critical' ? '■' : '▲'} {i.rootCause.name}
                </strong>
                <span aria-hidden="true"> ➜ </span>
                <span className="sr-only"> impacts </span>
                {i.impacted.length === 0 ? 'nothing downstream' : i.impacted.map((x) => x.name).join(', ')}
              </li>
            ))}
          </ul>
        )}
        <h2>Links</h2>
        <p className="muted">
          {links.all} dependencies, {links.cross} cross-border
          {drawn < links.all && ` (${links.all - drawn} inside a region's cluster marker, not drawn)`}
          {(components ?? []).length === 0 && ' (no components configured: markers show checks)'}
        </p>
        <h2>Legend</h2>
        <ul className="legend">
          {(['up', 'degraded', 'down', 'unknown', 'maintenance'] as Status[]).map((s) => (
            <li key={s}>
              <span className={`badge ${STATUS_STYLE[s].className}`}>
                <span aria-hidden="true">{STATUS_STYLE[s].glyph}</span> {STATUS_STYLE[s].label}
              </span>
            </li>
          ))}
          <li>
            <svg width="48" height="16" viewBox="0 0 48 16" aria-hidden="true" className="legend-arrow">
              <path d="M2,8 L34,8" className="link st-down spread" strokeWidth="4" />
              <path d="M34,2 L46,8 L34,14 z" className="arrowhead st-down" />
            </svg>{' '}
            knock-on, cause ➜ effect
          </li>
          {placed.length > 0 && (
            <>
              <li>
                <svg width="48" height="16" viewBox="0 0 48 16" aria-hidden="true" className="vantage-marker">
                  <path d="M24,2 L30,8 L24,14 L18,8 Z" />
                </svg>{' '}
                vantage (probe agent)
              </li>
              <li>
                <svg width="48" height="16" viewBox="0 0 48 16" aria-hidden="true">
                  <path d="M2,8 L46,8" className="path-problem-line" strokeWidth="3" />
                </svg>{' '}
                path problem: that vantage cannot reach it
              </li>
            </>
          )}
        </ul>
      </aside>
    </div>
  );
}

/** A link's curve (or a point on it): between its markers' edges, bent more within a region. */
function linkPath<T>(
  e: Edge,
  rem: number,
  along: (a: { x: number; y: number }, b: { x: number; y: number }, bend: number) => T,
): T {
  return along(shorten(e.from, e.to, 0.7 * rem), shorten(e.to, e.from, 0.8 * rem), e.cross ? 0.2 : 0.32);
}

/** Pulls an end point back towards the other so arrows stop at the marker's edge. */
function shorten(a: { x: number; y: number }, b: { x: number; y: number }, by: number) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const k = Math.min(by, len / 3) / len;
  return { x: a.x + dx * k, y: a.y + dy * k };
}

/** The configured dependencies between components (both ends known), and how many cross a region border. */
function dependencyCounts(components: ComponentView[]): { all: number; cross: number } {
  const regionOf = new Map(components.map((c) => [c.id, c.region]));
  let all = 0;
  let cross = 0;
  for (const c of components) {
    for (const dep of c.dependsOn) {
      if (!regionOf.has(dep)) continue;
      all += 1;
      if (regionOf.get(dep) !== c.region) cross += 1;
    }
  }
  return { all, cross };
}

function buildEdges(
  components: ComponentView[],
  incidents: IncidentView[],
  items: Map<string, Node>,
  checks: CheckView[],
): Edge[] {
  const byId = new Map(components.map((c) => [c.id, c]));
  const checksById = new Map(checks.map((c) => [c.id, c]));
  const edges: Edge[] = [];
  for (const c of components) {
    for (const depId of c.dependsOn) {
      const dep = byId.get(depId);
      const from = items.get(`component:${depId}`);
      const to = items.get(`component:${c.id}`);
      if (!dep || !from || !to) continue;
      const sharedRoot =
        c.role === 'impacted' &&
        (dep.role === 'root_cause'
          ? c.impactedBy.includes(dep.id)
          : dep.role === 'impacted' && dep.impactedBy.some((r) => c.impactedBy.includes(r)));
      edges.push({
        key: `${depId}->${c.id}`,
        from,
        to,
        status: sharedRoot ? 'down' : worstStatus([dep.status]),
        cross: dep.region !== c.region,
        spread: sharedRoot,
        label: replicationLinkLabel(c, dep, checksById) ?? undefined,
      });
    }
  }
  // Incidents whose spread the dependency graph does not show (a check as root cause, or no
  // components configured): draw cause to effect directly.
  const spreadTargets = new Set(edges.filter((e) => e.spread).map((e) => e.to.key));
  const regionOfCheck = new Map(checks.map((c) => [c.id, c.region]));
  for (const incident of incidents) {
    const from = items.get(`${incident.rootCause.kind}:${incident.rootCause.id}`);
    if (!from) continue;
    for (const target of incident.impacted) {
      const key = `${target.kind}:${target.id}`;
      const to = items.get(key);
      if (!to || spreadTargets.has(key)) continue;
      const fromRegion =
        incident.rootCause.kind === 'check'
          ? regionOfCheck.get(incident.rootCause.id)
          : byId.get(incident.rootCause.id)?.region;
      edges.push({
        key: `${incident.id}:${key}`,
        from,
        to,
        status: 'down',
        cross: (fromRegion ?? null) !== target.region,
        spread: true,
      });
    }
  }
  return edges;
}

/** An item's marker, and its name where it is drawn (estimated from the type size, as the labels are). */
function itemBoxes(n: Node, labelled: boolean, rem: number): Box[] {
  const s = 0.42 * rem;
  const marker = { left: n.x - s, top: n.y - s, right: n.x + s, bottom: n.y + s };
  if (!labelled) return [marker];
  const width = Math.min(n.name.length, 22) * 0.62 * 0.8 * rem;
  const x = n.x + (n.labelDx ?? 0);
  const left = n.anchor === 'start' ? x : n.anchor === 'end' ? x - width : x - width / 2;
  const baseline = n.y + (n.labelDy ?? 0);
  return [marker, { left, top: baseline - 0.8 * rem, right: left + width, bottom: baseline + 0.25 * rem }];
}

/** A marker drawn away from its place (a region or an agent): a thin line and a dot say where it really is. */
function MarkerLeader({
  from,
  to,
  rem,
}: {
  from: { x: number; y: number };
  to: { x: number; y: number };
  rem: number;
}) {
  return (
    <>
      <line x1={from.x} y1={from.y} x2={to.x} y2={to.y} className="marker-leader" />
      <circle cx={from.x} cy={from.y} r={0.18 * rem} className="marker-origin" />
    </>
  );
}

/** How far from its centre a region's marker reaches: its ring of components, or its own shape. */
function regionReach(r: { radius?: number; cluster: boolean }, rem: number): number {
  return r.radius ? r.radius + 0.5 * rem : r.cluster ? 1.4 * rem : 1.1 * rem;
}

/** A probe agent's marker where it is drawn, and its true place when moved off a region. */
interface VantageNode {
  id: string;
  v: VantageView;
  x: number;
  y: number;
  at: { x: number; y: number } | null;
}

/** A vantage's diamond, half its width, and its label's type size, in rem. */
const VANTAGE_SIZE_REM = 0.7;
const VANTAGE_LABEL_REM = 0.9;

/**
 * Vantages as their own markers (a hollow diamond, its label placed with the regions' so neither
 * covers the other), and each path problem as a dashed line from every vantage that cannot reach
 * the check to the check's region.
 */
function VantageLayer({
  nodes,
  labels,
  checks,
  regionAt,
  rem,
}: {
  nodes: readonly VantageNode[];
  labels: ReadonlyMap<string, Placed>;
  checks: readonly CheckView[];
  regionAt: (id: string) => { x: number; y: number } | null;
  rem: number;
}) {
  if (nodes.length === 0) return null;
  const at = new Map(nodes.map((n) => [n.v.id, n]));
  const paths = new Map<string, { from: { x: number; y: number }; to: { x: number; y: number }; checks: string[] }>();
  for (const check of checks) {
    if (!check.quorum?.pathProblem || !check.region) continue;
    const to = regionAt(check.region);
    if (!to) continue;
    for (const vantage of check.quorum.failing) {
      const from = at.get(vantage);
      if (!from) continue;
      const key = `${vantage}>${check.region}`;
      const entry = paths.get(key) ?? { from, to, checks: [] as string[] };
      entry.checks.push(check.name);
      paths.set(key, entry);
    }
  }
  const s = VANTAGE_SIZE_REM * rem;
  return (
    <g className="vantages">
      {[...paths].map(([key, p]) => (
        <path
          key={key}
          d={curve(p.from, p.to, -0.12)}
          className="path-problem-line"
          data-testid={`map-path-${key}`}
          strokeWidth={0.2 * rem}
        >
          <title>{`path problem: ${p.checks.join(', ')}`}</title>
        </path>
      ))}
      {nodes.map(({ id, v, x, y, at: origin }) => {
        const label = labels.get(id);
        return (
          <g
            key={v.id}
            className={`vantage-marker${v.online ? '' : ' is-offline'}`}
            data-testid={`map-vantage-${v.id}`}
            data-online={v.online ? 'true' : 'false'}
          >
            {origin && <MarkerLeader from={origin} to={{ x, y }} rem={rem} />}
            <path d={`M ${x} ${y - s} L ${x + s} ${y} L ${x} ${y + s} L ${x - s} ${y} Z`} />
            {label && (
              <text
                x={label.cx}
                y={label.cy + 0.35 * VANTAGE_LABEL_REM * rem}
                textAnchor="middle"
                fontSize={VANTAGE_LABEL_REM * rem}
                className="vantage-label"
              >
                {v.name}
                {v.online ? '' : ' · offline'}
              </text>
            )}
          </g>
        );
      })}
    </g>
  );
}

function checkCounts(counts: Record<Status, number>, total: number): string {
  if (counts.down > 0) return `${counts.down} of ${total} down`;
  if (counts.degraded > 0) return `${counts.degraded} of ${total} degraded`;
  return `${total} check${total === 1 ? '' : 's'}`;
}

/** A cluster marker's line: its components by how many are down and degraded. */
function clusterCounts(items: readonly { status: Status }[]): string {
  const n = (s: Status) => items.filter((i) => i.status === s).length;
  const parts = [n('down') > 0 ? `${n('down')} down` : '', n('degraded') > 0 ? `${n('degraded')} slow` : ''].filter(
    Boolean,
  );
  return `${parts.length > 0 ? parts.join(', ') : 'all up'} of ${items.length}`;
}
