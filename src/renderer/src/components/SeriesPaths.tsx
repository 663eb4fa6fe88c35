import { useId } from 'react';
import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { linePath, type Scale } from '../chart-geometry.ts';
import type { ChartRow, ChartSeries } from './LatencyChart.tsx';

interface Props {
  data: readonly ChartRow[];
  series: readonly ChartSeries[];
  thickness: number;
  /** Series with too few values for a line, drawn as dots of this radius. */
  sparse: ReadonlySet<string>;
  dotRadius: number;
}

/**
 * The chart's lines, drawn inside recharts' chart on its own axes (the scales from its hooks)
 * but without a `<Line>` per series: recharts 3 builds a point object, a label entry and
 * selector passes for every point of every line, about twice the time of the rest of the chart
 * for ten lines (docs/BENCHMARKS.md, issue 16). Axes, grid, threshold, downtime and tooltip stay
 * recharts'.
 */
export function SeriesPaths({ data, series, thickness, sparse, dotRadius }: Props) {
  const x = useXAxisScale() as Scale | undefined;
  const y = useYAxisScale() as Scale | undefined;
  const plot = usePlotArea();
  const clipId = `series-clip-${useId().replace(/:/g, '')}`;
  if (!x || !y || !plot) return null;
  return (
    <g className="chart-lines">
      <defs>
        <clipPath id={clipId}>
          <rect x={plot.x} y={plot.y} width={plot.width} height={plot.height} />
        </clipPath>
      </defs>
      {series.map((s) =>
        sparse.has(s.key) ? (
          <g key={s.key} className="chart-line chart-line-dots" data-key={s.key} clipPath={`url(#${clipId})`}>
            {data.map((row) => {
              const value = row[s.key];
              const cx = value === null || value === undefined ? undefined : x(row.t);
              const cy = cx === undefined ? undefined : y(value!);
              return cx === undefined || cy === undefined ? null : (
                <circle key={row.t} cx={cx} cy={cy} r={dotRadius} fill={s.color} />
              );
            })}
          </g>
        ) : (
          <path
            key={s.key}
            className="chart-line"
            data-key={s.key}
            d={linePath(data, s.key, x, y)}
            fill="none"
            stroke={s.color}
            strokeWidth={(s.width ?? 2) * thickness}
            strokeDasharray={s.dash}
            strokeLinejoin="round"
            clipPath={`url(#${clipId})`}
          />
        ),
      )}
    </g>
  );
}

/**
 * The chart's horizontal grid, one line per y tick, on recharts' y scale: recharts'
 * `CartesianGrid` computed its own ticks and positions again (about a tenth of a first render).
 */
export function GridLines({ ticks, stroke, dash }: { ticks: readonly number[]; stroke: string; dash: string }) {
  const y = useYAxisScale() as Scale | undefined;
  const plot = usePlotArea();
  if (!y || !plot) return null;
  return (
    <g className="chart-grid-lines">
      {ticks.map((tick) => {
        const py = y(tick);
        return py === undefined || !Number.isFinite(py) ? null : (
          <line
            key={tick}
            x1={plot.x}
            x2={plot.x + plot.width}
            y1={py}
            y2={py}
            stroke={stroke}
            strokeDasharray={dash}
          />
        );
      })}
    </g>
  );
}

interface TipProps {
  /** The hovered row's time, as recharts' tooltip gives it (undefined when nothing is hovered). */
  label: unknown;
  rows: ReadonlyMap<number, ChartRow>;
  series: readonly ChartSeries[];
  downKey: string;
  fontSize: number;
  formatTime: (t: number) => string;
  formatValue: (v: number | null) => string;
  formatShare: (v: number | null) => string;
}

/**
 * The tooltip's content, read from the hovered row itself: the lines are not recharts items,
 * so its own payload would hold only the downtime. Each series in its colour, a gap as "—".
 */
export function SeriesTooltip({
  label,
  rows,
  series,
  downKey,
  fontSize,
  formatTime,
  formatValue,
  formatShare,
}: TipProps) {
  const row = typeof label === 'number' ? rows.get(label) : undefined;
  if (!row) return null;
  const down = row[downKey] ?? 0;
  return (
    <div className="chart-tooltip" style={{ fontSize }}>
      <div className="chart-tooltip-time">{formatTime(row.t)}</div>
      {series.map((s) => (
        <div key={s.key} style={{ color: s.color }}>
          {s.label}: {formatValue(row[s.key] ?? null)}
        </div>
      ))}
      {down > 0 && <div className="chart-tooltip-down">failed probes: {formatShare(down)}</div>}
    </div>
  );
}
