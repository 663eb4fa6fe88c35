import { memo, useMemo, useState } from 'react';
import type { CheckView, SeriesPoint, SeriesRange } from '../../../shared/model.ts';
import {
  DOWN_KEY,
  LatencyChart,
  PALETTE,
  PERCENTILE_SERIES,
  RANGE_MS,
  type ChartRow,
  type ChartSeries,
} from '../components/LatencyChart.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { axisReach, seriesMax, thresholdDrawn } from '../chart-geometry.ts';
import { downsampleSeries, pointsForWidth } from '../downsample.ts';
import { formatLastLatency, formatLatency, naturalCompare, vantageName } from '../format.ts';
import { remPx, useSize } from '../hooks/use-size.ts';
import { useSeries } from '../hooks/use-series.ts';
import { useReportMax, useSharedScale, type SharedScale } from '../hooks/use-shared-scale.ts';
import { href, navigate, WALL_PARAMS } from '../route.ts';
import { rawCharts } from '../perf.ts';
import { useBoard, useConfigChecks } from '../store.ts';
import { STATUS_RANK } from '../status-style.ts';
import { useNow } from '../shared-clock.ts';

export const RANGES: SeriesRange[] = ['1h', '6h', '24h', '7d', '30d'];
const CHARTS_PER_PAGE = 6;
const SERIES_PER_REGION_CHART = 10;

type Mode = 'checks' | 'regions';

/** p50/p95/p99 per check, and per region (p95 of each of its checks), over 1 hour to 30 days. */
export function LatencyView({ wall, focus, params }: { wall: boolean; focus: string | null; params: URLSearchParams }) {
  const checks = useConfigChecks();
  const regions = useBoard((s) => s.board?.regions);
  const range = (RANGES.includes(params.get('range') as SeriesRange) ? params.get('range') : '1h') as SeriesRange;
  const mode: Mode = params.get('by') === 'region' ? 'regions' : 'checks';
  const [page, setPage] = useState(0);

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    for (const k of WALL_PARAMS) next.delete(k);
    navigate('latency', focus, Object.fromEntries(next));
  };

  // Worst first, so the charts a NOC needs are on the first page (and on the wall); then by
  // name, never by the latest latency, which would reshuffle the charts every few seconds.
  const ordered = useMemo(
    () =>
      [...(checks ?? [])].sort(
        (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || naturalCompare(a.name, b.name),
      ),
    [checks],
  );
  const shared = params.get('y') === 'shared';
  const scale = useSharedScale(shared);
  const focused = focus ? ordered.find((c) => c.id === focus) : undefined;
  const pages = Math.max(1, Math.ceil(ordered.length / CHARTS_PER_PAGE));
  const shown = focused ? [focused] : ordered.slice(page * CHARTS_PER_PAGE, (page + 1) * CHARTS_PER_PAGE);

  const regionGroups = useMemo(() => {
    const groups = (regions ?? []).map((r) => ({
      id: r.id,
      name: r.name,
      checks: (checks ?? []).filter((c) => c.region === r.id).slice(0, SERIES_PER_REGION_CHART),
    }));
    return groups.filter((g) => g.checks.length > 0);
  }, [regions, checks]);

  return (
    <div className="latency-view" data-testid="view-latency">
      {!wall && (
        <div className="toolbar">
          <div role="group" aria-label="Range" className="segmented">
            {RANGES.map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={r === range}
                onClick={() => setParam('range', r)}
                data-testid={`range-${r}`}
              >
                {r}
              </button>
            ))}
          </div>
          <div role="group" aria-label="Group by" className="segmented">
            <button type="button" aria-pressed={mode === 'checks'} onClick={() => setParam('by', 'check')}>
              Per check
            </button>
            <button
              type="button"
              aria-pressed={mode === 'regions'}
              onClick={() => setParam('by', 'region')}
              data-testid="by-region"
            >
              Per region
            </button>
          </div>
          <button
            type="button"
            aria-pressed={shared}
            onClick={() => setParam('y', shared ? 'own' : 'shared')}
            data-testid="shared-y"
          >
            Shared y-axis
          </button>
          {focused && <a href={href('latency', null, { range })}>All checks</a>}
          {!focused && mode === 'checks' && pages > 1 && (
            <div className="pager">
              <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                ‹ Prev
              </button>
              <span>
                {page + 1} / {pages}
              </span>
              <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
                Next ›
              </button>
            </div>
          )}
        </div>
      )}
      {(checks ?? []).length === 0 ? (
        <p className="empty">No checks configured.</p>
      ) : mode === 'regions' ? (
        <div className="chart-grid">
          {regionGroups.map((g) => (
            <RegionChart
              key={g.id}
              id={g.id}
              name={g.name}
              checks={g.checks}
              range={range}
              interactive={!wall}
              scale={scale}
            />
          ))}
        </div>
      ) : (
        <div className={`chart-grid${focused ? ' is-single' : ''}`}>
          {shown.map((c) => (
            <CheckChart key={c.id} check={c} range={range} interactive={!wall} scale={scale} />
          ))}
        </div>
      )}
    </div>
  );
}

function toRows(points: SeriesPoint[], max: number): ChartRow[] {
  return downsampleSeries(points, rawCharts ? Infinity : max).map((p) => ({
    t: p.t,
    p50: p.p50,
    p95: p.p95,
    p99: p.p99,
    [DOWN_KEY]: failedShare(p),
  }));
}

function failedShare(p: SeriesPoint): number {
  return p.count > 0 ? p.failures / p.count : 0;
}

/**
 * What every latency chart needs: its box's size, the series for that width (about one point
 * per two pixels), and the time frame it is drawn in.
 */
function useChartSource(ids: string[], range: SeriesRange, vantages: readonly string[] | null = null) {
  const [ref, size] = useSize<HTMLDivElement>();
  const points = size.width > 0 ? Math.round(pointsForWidth(size.width) / 50) * 50 : 0;
  const { series, error, loading, pending, receivedAt } = useSeries(ids, range, points, vantages);
  const timezone = useBoard((s) => s.board?.timezone ?? 'UTC');
  const now = useNow(15_000);
  return { ref, points, series, body: { size, range, now, timezone, error, loading, pending, receivedAt } };
}

/**
 * One check's p50/p95/p99 with its degraded threshold; with `byVantage`, a multi-vantage check's
 * p95 as seen from each of its vantages, one line each.
 */
export const CheckChart = memo(function CheckChart({
  check,
  range,
  interactive,
  title = true,
  byVantage = false,
  scale = null,
}: {
  check: CheckView;
  range: SeriesRange;
  interactive: boolean;
  title?: boolean;
  byVantage?: boolean;
  scale?: SharedScale | null;
}) {
  const vantageKey = byVantage && check.vantages ? check.vantages.map((v) => v.vantage).join(' ') : '';
  const vantages = useMemo(() => (vantageKey ? vantageKey.split(' ') : null), [vantageKey]);
  const names = useBoard((s) => s.board?.vantages);
  const { ref, points, series, body } = useChartSource([check.id], range, vantages);
  // Each vantage's line is labelled with its latest p95, so the legend alone compares them.
  const vantageSeries = useMemo(
    () =>
      vantages &&
      paletteSeries(
        vantages.map((v) => {
          const points = series?.get(v) ?? [];
          const latest = points.findLast((p) => p.p95 !== null)?.p95 ?? null;
          const name = vantageName(names, v);
          if (latest !== null) return `${name}: p95 ${formatLatency(latest)}`;
          // Failed probes have no latency to draw: say so rather than "no data".
          return points.some((p) => p.count > 0) ? `${name}: every probe failed` : `${name}: no data`;
        }),
      ),
    [vantages, names, series],
  );
  const rows = useMemo(
    () =>
      vantages
        ? mergeP95(vantages, series, Math.max(30, points))
        : toRows(series?.get(check.id) ?? [], Math.max(30, points)),
    [series, check.id, points, vantages],
  );
  const sourcePoints = vantages
    ? Math.max(0, ...vantages.map((v) => series?.get(v)?.length ?? 0))
    : (series?.get(check.id)?.length ?? 0);
  const chartSeries = vantageSeries ?? PERCENTILE_SERIES;
  const latest = rows.at(-1);
  const dataMax = useMemo(() => seriesMax(rows, chartSeries), [rows, chartSeries]);
  const threshold = check.degradedLatencyMs ?? null;
  // The shared axis must hold this chart's threshold where the chart draws it (every chart's
  // axis then ends at the same tick); nothing to report before the series are here.
  useReportMax(scale, `check-${check.id}`, rows.length > 0 ? axisReach(dataMax, threshold, null) || null : null);
  return (
    <section
      className="chart-card"
      data-testid={`latency-${check.id}`}
      data-split={vantages ? 'vantage' : undefined}
      aria-label={`Latency of ${check.name}`}
    >
      {title && (
        <header>
          <StatusBadge status={check.status} compact />
          <h3>
            <a href={href('check', check.id)}>{check.name}</a>
          </h3>
          <span className="muted chart-now">
            now {formatLastLatency(check)}
            {latest?.p95 != null ? ` · p95 ${formatLatency(latest.p95)}` : ''}
          </span>
        </header>
      )}
      <ChartLegend
        series={chartSeries}
        thresholdMs={threshold}
        thresholdShown={rows.length === 0 || thresholdDrawn(threshold, dataMax, scale?.max ?? null)}
        rows={rows}
      />
      <div className="chart-box" ref={ref}>
        <ChartBody
          {...body}
          rows={rows}
          series={chartSeries}
          thresholdMs={threshold}
          interactive={interactive}
          sourcePoints={sourcePoints}
          yMax={scale?.max ?? null}
        />
      </div>
    </section>
  );
});

/** A region's checks, p95 of each, on one chart (at most ten series, one colour and dash each). */
const RegionChart = memo(function RegionChart({
  id,
  name,
  checks,
  range,
  interactive,
  scale,
}: {
  id: string;
  name: string;
  checks: CheckView[];
  range: SeriesRange;
  interactive: boolean;
  scale: SharedScale | null;
}) {
  const ids = useMemo(() => checks.map((c) => c.id), [checks]);
  const { ref, points, series, body } = useChartSource(ids, range);
  const chartSeries = useMemo(() => paletteSeries(checks.map((c) => c.name)), [checks]);
  const rows = useMemo(() => mergeP95(ids, series, Math.max(30, points)), [ids, series, points]);
  const regionMax = useMemo(() => seriesMax(rows, chartSeries) || null, [rows, chartSeries]);
  useReportMax(scale, `region-${id}`, regionMax);
  const sourcePoints = useMemo(() => Math.max(0, ...[...(series?.values() ?? [])].map((s) => s.length)), [series]);
  return (
    <section className="chart-card" data-testid={`latency-region-${id}`} aria-label={`Latency in ${name}`}>
      <header>
        <h3>{name}</h3>
        <span className="muted">p95 per check</span>
      </header>
      <ChartLegend series={chartSeries} thresholdMs={null} rows={rows} />
      <div className="chart-box" ref={ref}>
        <ChartBody
          {...body}
          rows={rows}
          series={chartSeries}
          thresholdMs={null}
          interactive={interactive}
          sourcePoints={sourcePoints}
          yMax={scale?.max ?? null}
        />
      </div>
    </section>
  );
});

/** Series `s0`, `s1`… for some labels, each with its own colour and dash (print and grey still work). */
function paletteSeries(labels: string[]): ChartSeries[] {
  return labels.map((label, i) => ({
    key: `s${i}`,
    label,
    color: PALETTE[i % PALETTE.length]!,
    dash: i % 3 === 1 ? '8 4' : i % 3 === 2 ? '2 4' : undefined,
  }));
}

/** Joins several series on time (the store buckets them on the same grid): checks', or one check's vantages'. */
export function mergeP95(ids: string[], series: Map<string, SeriesPoint[]> | null, maxPoints: number): ChartRow[] {
  if (!series) return [];
  // Downsample each series first: merging then touches hundreds of points, not tens of thousands.
  const parts = ids.map((id) => downsampleSeries(series.get(id) ?? [], rawCharts ? Infinity : maxPoints));
  const byT = new Map<number, ChartRow>();
  parts.forEach((points, i) => {
    const key = `s${i}`;
    for (const p of points) {
      let row = byT.get(p.t);
      if (!row) byT.set(p.t, (row = { t: p.t }));
      row[key] = p.p95;
      // The region's worst check sets the shade: one check down is downtime worth seeing.
      row[DOWN_KEY] = Math.max(row[DOWN_KEY] ?? 0, failedShare(p));
    }
  });
  return [...byT.values()].sort((a, b) => a.t - b.t);
}

function ChartBody(props: {
  rows: ChartRow[];
  series: ChartSeries[];
  size: { width: number; height: number };
  thresholdMs: number | null;
  range: SeriesRange;
  now: number;
  timezone: string;
  interactive: boolean;
  error: string | null;
  loading: boolean;
  pending: boolean;
  receivedAt: number;
  sourcePoints: number;
  yMax?: number | null;
}) {
  const { rows, size, error, loading, pending, now, range } = props;
  const domain = useMemo<[number, number]>(() => [now - RANGE_MS[range], now], [now, range]);
  // The frame is drawn once the series are asked for, not in the render that asks (that would
  // hold the request back by recharts' mount).
  const waiting = rows.length === 0 && pending && !error;
  if (rows.length === 0 && !waiting) {
    return (
      <p className="chart-empty" data-testid="chart-empty">
        {error ? `History unavailable: ${error}` : loading ? 'Loading history…' : 'No history in this range yet.'}
      </p>
    );
  }
  // While the series are fetched the chart's frame (axes, no lines) is already drawn: recharts
  // mounts (and, on a fresh page, its code compiles) during the fetch rather than after it, and
  // the series only fill in the lines (docs/BENCHMARKS.md, "The chart's frame during the fetch").
  const chart = (
    <LatencyChart
      rows={rows}
      series={props.series}
      width={size.width}
      height={size.height}
      thresholdMs={props.thresholdMs}
      domain={domain}
      timezone={props.timezone}
      rem={remPx()}
      interactive={props.interactive}
      receivedAt={props.receivedAt}
      sourcePoints={props.sourcePoints}
      yMax={props.yMax ?? null}
    />
  );
  if (!waiting) return chart;
  return (
    <>
      {chart}
      <p className="chart-empty" data-testid="chart-empty">
        Loading history…
      </p>
    </>
  );
}

function ChartLegend({
  series,
  thresholdMs,
  thresholdShown = true,
  rows,
}: {
  series: ChartSeries[];
  thresholdMs: number | null;
  thresholdShown?: boolean;
  rows: ChartRow[];
}) {
  const downtime = rows.some((r) => (r[DOWN_KEY] ?? 0) > 0);
  return (
    <ul className="chart-legend" aria-label="Series">
      {series.map((s) => (
        <li key={s.key}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="28" y2="5" stroke={s.color} strokeWidth="3" strokeDasharray={s.dash} />
          </svg>
          {s.label}
        </li>
      ))}
      {thresholdMs !== null && (
        <li>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="28" y2="5" stroke="#f0b429" strokeWidth="2" strokeDasharray="6 3" />
          </svg>
          degraded ≥ {formatLatency(thresholdMs)}
          {thresholdShown ? '' : ' (far above, not drawn)'}
        </li>
      )}
      {downtime && (
        <li data-testid="legend-downtime">
          <svg width="28" height="10" aria-hidden="true">
            <rect width="28" height="10" fill="#ff6b6b" fillOpacity="0.4" />
          </svg>
          failed probes (share, shaded)
        </li>
      )}
    </ul>
  );
}
