import { useEffect, useId, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { usePlotArea } from 'recharts';
import { linearMap, linePath, nearestRow } from '../chart-geometry.ts';
import type { ChartRow, ChartSeries } from './LatencyChart.tsx';

interface Props {
  data: readonly ChartRow[];
  series: readonly ChartSeries[];
  thickness: number;
  /** Series with too few values for a line, drawn as dots of this radius. */
  sparse: ReadonlySet<string>;
  dotRadius: number;
  /** The x axis's time domain and the y axis's latency domain, as given to recharts' axes. */
  xDomain: readonly [number, number];
  yDomain: readonly [number, number];
}

/** Where a plot area's pixels are: its time across, its latency up (recharts' axes the same). */
function usePlotMaps(xDomain: readonly [number, number], yDomain: readonly [number, number]) {
  const plot = usePlotArea();
  if (!plot) return null;
  return {
    plot,
    x: linearMap(xDomain, [plot.x, plot.x + plot.width]),
    y: linearMap(yDomain, [plot.y + plot.height, plot.y]),
  };
}

/**
 * The chart's lines, drawn inside recharts' chart on its own axes (the scales from its hooks)
 * but without a `<Line>` per series: recharts 3 builds a point object, a label entry and
 * selector passes for every point of every line, about twice the time of the rest of the chart
 * for ten lines (docs/BENCHMARKS.md, issue 16). Axes, threshold and downtime stay recharts'.
 */
export function SeriesPaths({ data, series, thickness, sparse, dotRadius, xDomain, yDomain }: Props) {
  const maps = usePlotMaps(xDomain, yDomain);
  const clipId = `series-clip-${useId().replace(/:/g, '')}`;
  const drawn = useRef<{ key: readonly unknown[]; paths: ReadonlyMap<string, string> } | null>(null);
  if (!maps) return null;
  const { plot, x, y } = maps;
  // Made again only when the rows, the series or where they are drawn changed, not on each of
  // recharts' passes after a commit (its plot area comes back as a new object each time).
  const key = [data, series, sparse, plot.x, plot.y, plot.width, plot.height, ...xDomain, ...yDomain];
  if (!drawn.current || drawn.current.key.some((part, i) => part !== key[i])) {
    const paths = new Map(series.filter((s) => !sparse.has(s.key)).map((s) => [s.key, linePath(data, s.key, x, y)]));
    drawn.current = { key, paths };
  }
  const paths = drawn.current.paths;
  return (
    <g className="chart-lines">
      <defs>
        <clipPath id={clipId}>
          <rect x={plot.x} y={plot.y} width={plot.width} height={plot.height} />
        </clipPath>
      </defs>
      {/* One clip for every line: one clipped layer to paint, not one per line. */}
      <g clipPath={`url(#${clipId})`}>
        {series.map((s) =>
          sparse.has(s.key) ? (
            <g key={s.key} className="chart-line chart-line-dots" data-key={s.key}>
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
              d={paths.get(s.key) ?? linePath(data, s.key, x, y)}
              fill="none"
              stroke={s.color}
              strokeWidth={(s.width ?? 2) * thickness}
              strokeDasharray={s.dash}
              strokeLinejoin="round"
            />
          ),
        )}
      </g>
    </g>
  );
}

/**
 * The chart's horizontal grid, one line per y tick, where the y axis puts its ticks: recharts'
 * `CartesianGrid` computed its own ticks and positions again (about a tenth of a first render).
 */
export function GridLines({
  ticks,
  yDomain,
  stroke,
  dash,
}: {
  ticks: readonly number[];
  yDomain: readonly [number, number];
  stroke: string;
  dash: string;
}) {
  const maps = usePlotMaps([0, 1], yDomain);
  if (!maps) return null;
  const { plot, y } = maps;
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

interface HoverProps {
  data: readonly ChartRow[];
  domain: [number, number];
  /** The HTML element the tooltip is placed in (the chart's surface), which also takes the arrow keys. */
  host: HTMLElement | null;
  tooltip: (row: ChartRow) => ReactNode;
}

/**
 * The chart's tooltip and cursor, on the board's rows: the pointer (or the arrow keys, with the
 * chart focused) picks the nearest row, a line marks it and `tooltip` says its values. Recharts'
 * own tooltip needs every row in recharts' data, whose per-row work was most of a render.
 */
export function HoverLayer({ data, domain, host, tooltip }: HoverProps) {
  const maps = usePlotMaps(domain, [0, 1]);
  const [index, setIndex] = useState<number | null>(null);
  /** Where the pointer is, in the chart's pixels (null: the keys moved the cursor). */
  const [pointerY, setPointerY] = useState<number | null>(null);
  const count = data.length;
  useEffect(() => {
    if (!host) return;
    const onKey = (event: KeyboardEvent) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0 || count === 0) return;
      event.preventDefault();
      setPointerY(null);
      setIndex((i) => Math.max(0, Math.min(count - 1, i === null ? (step > 0 ? 0 : count - 1) : i + step)));
    };
    const onBlur = () => setIndex(null);
    host.addEventListener('keydown', onKey);
    host.addEventListener('blur', onBlur);
    return () => {
      host.removeEventListener('keydown', onKey);
      host.removeEventListener('blur', onBlur);
    };
  }, [host, count]);
  if (!maps) return null;
  const { plot, x } = maps;
  const row = index === null ? undefined : data[index];
  const cx = row ? x(row.t) : undefined;
  const onMove = (event: MouseEvent<SVGRectElement>) => {
    const box = event.currentTarget.ownerSVGElement?.getBoundingClientRect();
    const t = domain[0] + ((event.clientX - (box?.left ?? 0) - plot.x) / plot.width) * (domain[1] - domain[0]);
    const i = nearestRow(data, t);
    setIndex(i < 0 ? null : i);
    setPointerY(event.clientY - (box?.top ?? 0));
  };
  const onRight = cx !== undefined && cx > plot.x + plot.width / 2;
  return (
    <g className="chart-hover">
      {cx !== undefined && (
        <line x1={cx} x2={cx} y1={plot.y} y2={plot.y + plot.height} stroke="#a9b4c4" strokeWidth={1} />
      )}
      <rect
        x={plot.x}
        y={plot.y}
        width={plot.width}
        height={plot.height}
        fill="transparent"
        onMouseMove={onMove}
        onMouseLeave={() => setIndex(null)}
      />
      {row &&
        cx !== undefined &&
        host &&
        createPortal(
          <div
            className="chart-tooltip-box"
            style={{
              left: onRight ? cx - 12 : cx + 12,
              top: pointerY === null ? plot.y + 8 : Math.max(plot.y, pointerY - 24),
              transform: onRight ? 'translateX(-100%)' : undefined,
            }}
          >
            {tooltip(row)}
          </div>,
          host,
        )}
    </g>
  );
}

interface TipProps {
  row: ChartRow;
  series: readonly ChartSeries[];
  downKey: string;
  fontSize: number;
  formatTime: (t: number) => string;
  formatValue: (v: number | null) => string;
  formatShare: (v: number | null) => string;
}

/** The tooltip's content, read from the hovered row: each series in its colour, a gap as "—". */
export function SeriesTooltip({ row, series, downKey, fontSize, formatTime, formatValue, formatShare }: TipProps) {
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
