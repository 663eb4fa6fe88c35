import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Area, ComposedChart, ReferenceLine, XAxis, YAxis } from 'recharts';
import { formatAxisLatency, formatLatency, formatPercent, formatTime } from '../format.ts';
import { rawCharts, recordChart } from '../perf.ts';
import { axisReach, latencyTicks, seriesMax, stepRows, thresholdDrawn, timeTicks } from '../chart-geometry.ts';
import { GridLines, HoverLayer, SeriesPaths, SeriesTooltip } from './SeriesPaths.tsx';

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  dash?: string;
  width?: number;
}

export type ChartRow = { t: number } & Record<string, number | null>;

/**
 * The share of a bucket's probes that failed (0..1), on every row: failed probes have no
 * latency to draw, so downtime is shaded behind the lines instead of leaving a silent gap.
 */
export const DOWN_KEY = 'down';
const DOWN_COLOUR = '#ff6b6b';

interface Props {
  /** Empty while the series are fetched: the frame (axes over the domain) without lines. */
  rows: ChartRow[];
  series: ChartSeries[];
  width: number;
  height: number;
  /** The check's degraded latency threshold, drawn as a line. */
  thresholdMs: number | null;
  domain: [number, number];
  timezone: string;
  rem: number;
  interactive: boolean;
  /** When the data arrived (performance.now()), so the benchmark times merge, downsampling and render. */
  receivedAt?: number;
  /** Points per series as they arrived, before downsampling (for the benchmark's record). */
  sourcePoints?: number;
  /** A y-axis top shared with the other charts of the view (?y=shared), so heights compare. */
  yMax?: number | null;
}

/**
 * Keeps the worst value of each key per bucket: a latency spike must survive downsampling.
 * The last line of defence: data should already arrive at about one point per two pixels.
 */
export function downsampleRows(rows: ChartRow[], max: number, keys: string[]): ChartRow[] {
  if (max < 1 || rows.length <= max) return rows;
  const size = Math.ceil(rows.length / max);
  const out: ChartRow[] = [];
  for (let i = 0; i < rows.length; i += size) {
    const row: ChartRow = { t: rows[i]!.t };
    for (const key of keys) {
      let worst: number | null = null;
      for (let j = i; j < i + size && j < rows.length; j++) {
        const v = rows[j]![key];
        if (v !== null && v !== undefined && (worst === null || v > worst)) worst = v;
      }
      row[key] = worst;
    }
    out.push(row);
  }
  return out;
}

export const LatencyChart = memo(function LatencyChart({
  rows,
  series,
  width,
  height,
  thresholdMs,
  domain,
  timezone,
  rem,
  interactive,
  receivedAt,
  sourcePoints,
  yMax = null,
}: Props) {
  const keys = useMemo(() => series.map((s) => s.key), [series]);
  const data = useMemo(() => {
    const shown = rawCharts ? rows : downsampleRows(rows, Math.max(30, Math.floor(width / 2)), [...keys, DOWN_KEY]);
    // A step area ends at the next point: a failing last bucket reaches to now.
    const last = shown.at(-1);
    return last && (last[DOWN_KEY] ?? 0) > 0 && last.t < domain[1]
      ? [...shown, { t: domain[1], [DOWN_KEY]: last[DOWN_KEY] ?? null }]
      : shown;
  }, [rows, width, keys, domain]);
  const hasDowntime = useMemo(() => data.some((r) => (r[DOWN_KEY] ?? 0) > 0), [data]);
  // Recharts draws the frame (axes, threshold, downtime) from the rows where the downtime
  // changes, not from every row: its per-row work was most of a render. The lines, the grid and
  // the tooltip are the board's, on recharts' scales, from every row.
  const frame = useMemo(() => stepRows(data, DOWN_KEY), [data]);
  // Series with too few values for a line (a check down most of the range) are drawn as dots.
  const sparse = useMemo(
    () => new Set(keys.filter((k) => data.reduce((n, r) => n + (r[k] !== null && r[k] !== undefined ? 1 : 0), 0) < 3)),
    [data, keys],
  );

  const dataMax = useMemo(() => seriesMax(data, series), [data, series]);
  // A threshold far above the data would flatten every line to the floor: draw it only when it
  // is within reach (the legend says where it is otherwise).
  const threshold = data.length > 0 ? thresholdMs : null;
  const showThreshold = thresholdDrawn(threshold, dataMax, yMax);
  const yTicks = useMemo(
    () => latencyTicks(axisReach(dataMax, threshold, yMax) * 1.1 || 1),
    [yMax, dataMax, threshold],
  );
  const top = yTicks.at(-1)!;
  const yDomain = useMemo<[number, number]>(() => [0, top], [top]);
  // Render time for the UI benchmark: from a data change to commit, and to the next frame.
  const started = useRef({ at: 0, data: null as ChartRow[] | null });
  if (started.current.data !== data) started.current = { at: receivedAt || performance.now(), data };
  const surface = useRef<HTMLDivElement | null>(null);
  const [host, setHost] = useState<HTMLDivElement | null>(null);
  const surfaceRef = useCallback((element: HTMLDivElement | null) => {
    surface.current = element;
    setHost(element);
  }, []);
  useLayoutEffect(() => {
    const { at } = started.current;
    // The empty frame drawn while the series are fetched is not a chart render to time.
    if (at === 0 || rows.length === 0) return;
    started.current.at = 0;
    const entry = {
      points: sourcePoints ?? rows.length,
      series: series.length,
      startedAt: at,
      commitMs: performance.now() - at,
      drawnMs: 0,
      frameMs: 0,
    };
    recordChart(entry);
    // recharts 3 lays out its axes in passes after React's commit: drawn is every line and the
    // y axis labelled to its top (the lines are drawn in the commit, on the board's own maps).
    const topLabel = formatAxisLatency(top, top);
    let frames = 0;
    const poll = () => {
      const lines = surface.current?.querySelectorAll('.chart-line').length ?? 0;
      const labels =
        surface.current?.querySelectorAll('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value') ?? [];
      const drawn = lines >= series.length && [...labels].some((label) => label.textContent === topLabel);
      if (!drawn && ++frames < 120) return void requestAnimationFrame(poll);
      entry.drawnMs = performance.now() - at;
      requestAnimationFrame(() => {
        entry.frameMs = performance.now() - at;
      });
    };
    poll();
  }, [data, rows.length, series.length, sourcePoints, top]);
  // Lines as thick for the eye on a 4K wall as on a desk: they scale with the type.
  const thickness = Math.max(1, rem / 20);
  const span = domain[1] - domain[0];
  const font = Math.round(0.75 * rem);
  // As many time ticks as their labels fit with 3 rem between them ("07 Nov, 08:0" or "08:00"):
  // recharts is told to show every tick, not to measure labels and drop the overlapping ones.
  const labelPx = font * 0.6 * (span > 36 * 3_600_000 ? 12 : 5) + rem * 3;
  const ticks = useMemo(() => timeTicks(domain, Math.max(3, Math.floor(width / labelPx))), [domain, width, labelPx]);
  const margin = useMemo(() => ({ top: rem * 0.6, right: rem * 1.5, bottom: 0, left: 0 }), [rem]);
  if (width <= 0 || height <= 0) return null;
  /** No rows yet: the frame (axes over the range) is drawn while the series are fetched. */
  const empty = data.length === 0;
  return (
    <div
      className="chart-surface"
      ref={surfaceRef}
      aria-busy={empty || undefined}
      {...(interactive
        ? { tabIndex: 0, role: 'group', 'aria-label': 'Latency chart: arrow keys step through the values' }
        : {})}
    >
      <ComposedChart width={width} height={height} data={frame} margin={margin}>
        <GridLines ticks={yTicks} yDomain={yDomain} stroke="#2a3344" dash="3 6" />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={domain}
          allowDataOverflow
          ticks={ticks}
          // Every tick given (timeTicks spaces them for the width): recharts would otherwise
          // measure each label in the DOM to drop overlapping ones.
          interval={0}
          // Nor work out "nice" ticks of its own (decimal.js logarithms, a tenth of a first render).
          niceTicks="none"
          tickFormatter={(t: number) =>
            formatTime(t, timezone, span > 36 * 3_600_000).slice(0, span > 36 * 3_600_000 ? 12 : 5)
          }
          stroke="#a9b4c4"
          tick={{ fontSize: font, fill: '#c9d2de' }}
          height={Math.round(font * 2.4)}
        />
        <YAxis
          stroke="#a9b4c4"
          // The frame drawn while the series are fetched has no latency scale to label yet.
          tick={empty ? false : { fontSize: font, fill: '#c9d2de' }}
          width={rem * 4.6}
          domain={yDomain}
          ticks={yTicks}
          interval={0}
          niceTicks="none"
          // The lines are not recharts items (SeriesPaths): the axis takes its domain as given.
          allowDataOverflow
          tickFormatter={(v: number) => formatAxisLatency(v, top)}
        />
        {/* Downtime: a step area on its own 0..1 axis, as tall as the share of probes that failed. */}
        {hasDowntime && <YAxis yAxisId="down" domain={[0, 1]} niceTicks="none" hide />}
        {hasDowntime && (
          <Area
            yAxisId="down"
            dataKey={DOWN_KEY}
            name="failed probes"
            type="stepAfter"
            stroke="none"
            fill={DOWN_COLOUR}
            fillOpacity={0.28}
            isAnimationActive={false}
            activeDot={false}
            connectNulls={false}
            className="downtime"
          />
        )}
        {showThreshold && (
          <ReferenceLine
            y={thresholdMs!}
            stroke="#f0b429"
            strokeDasharray="10 6"
            strokeWidth={2}
            ifOverflow="extendDomain"
            label={{
              value: `▲ degraded ≥ ${formatLatency(thresholdMs)}`,
              fill: '#f0b429',
              fontSize: font,
              position: 'insideTopRight',
            }}
          />
        )}
        {!empty && (
          <SeriesPaths
            data={data}
            series={series}
            thickness={thickness}
            sparse={sparse}
            dotRadius={Math.max(3, rem * 0.2)}
            xDomain={domain}
            yDomain={yDomain}
          />
        )}
        {interactive && !empty && (
          <HoverLayer
            data={data}
            domain={domain}
            host={host}
            tooltip={(row) => (
              <SeriesTooltip
                row={row}
                series={series}
                downKey={DOWN_KEY}
                fontSize={font}
                formatTime={(t) => formatTime(t, timezone, true)}
                formatValue={formatLatency}
                formatShare={formatPercent}
              />
            )}
          />
        )}
      </ComposedChart>
    </div>
  );
});

/** Colour-blind-safe series colours (Okabe-Ito), each with its own dash so print and grey still work. */
export const PERCENTILE_SERIES: ChartSeries[] = [
  { key: 'p50', label: 'p50', color: '#56b4e9', width: 2 },
  { key: 'p95', label: 'p95', color: '#e69f00', dash: '8 4', width: 2 },
  { key: 'p99', label: 'p99', color: '#cc79a7', dash: '2 4', width: 2.5 },
];

export const PALETTE = [
  '#56b4e9',
  '#e69f00',
  '#009e73',
  '#f0e442',
  '#0072b2',
  '#d55e00',
  '#cc79a7',
  '#ffffff',
  '#999999',
  '#88ccee',
];

export const RANGE_MS = {
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const;
