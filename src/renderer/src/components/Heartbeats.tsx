import { memo, type CSSProperties } from 'react';
import { BEATS_KEPT, beatOf, describeBeats, type Beat } from '../../../shared/beats.ts';
import type { ProbeResult } from '../../../shared/model.ts';
import { formatLatency, formatTime } from '../format.ts';

const BEAT_COLOUR: Record<Beat, string> = {
  u: 'var(--up)',
  g: 'var(--degraded)',
  d: 'var(--down)',
  x: 'var(--unknown)',
};

/**
 * A tile's strip of its latest results, oldest left. One element painted by a gradient: a grid
 * of thousands of tiles must not carry thirty nodes each. A short history fills from the right.
 */
export const HeartbeatStrip = memo(function HeartbeatStrip({ beats }: { beats: string | undefined }) {
  if (!beats) return <div className="beats is-empty" aria-hidden="true" />;
  const n = beats.length;
  // One stop per run of equal results, not per result: a healthy strip is a single colour, and
  // fewer stops are less to paint each time a tile's strip moves on (every second per check).
  const stops: string[] = [];
  for (let from = 0; from < n;) {
    let to = from + 1;
    while (to < n && beats[to] === beats[from]) to++;
    const colour = BEAT_COLOUR[beats[from] as Beat] ?? BEAT_COLOUR.x;
    stops.push(`${colour} ${((from / n) * 100).toFixed(2)}% ${((to / n) * 100).toFixed(2)}%`);
    from = to;
  }
  const style = {
    width: `${(n / BEATS_KEPT) * 100}%`,
    // The gaps between slots: the tile's background over the colours.
    backgroundImage: `repeating-linear-gradient(to right, transparent 0 calc(${100 / n}% - 2px), var(--tile-bg) calc(${100 / n}% - 2px) ${100 / n}%), linear-gradient(to right, ${stops.join(', ')})`,
  } as CSSProperties;
  return <div className="beats" style={style} role="img" aria-label={describeBeats(beats)} data-beats={beats} />;
});

/**
 * The detail's strip: one bar per recent result, each telling its time and outcome on hover, and
 * with `vantageName` (a check probed from several vantages) where it was probed from.
 */
export function HeartbeatBar({
  results,
  degradedLatencyMs,
  timezone,
  vantageName,
}: {
  results: ProbeResult[];
  degradedLatencyMs: number | null;
  timezone: string;
  /** The name of a result's vantage (undefined: this machine). */
  vantageName?: (vantage: string | undefined) => string;
}) {
  // Newest first from the store; drawn oldest left, as on the tiles.
  const ordered = [...results].reverse();
  const beats = ordered.map((r) => beatOf(r, degradedLatencyMs));
  return (
    <div className="beat-bar" role="img" aria-label={describeBeats(beats.join(''))} data-testid="heartbeat-bar">
      {ordered.map((r, i) => (
        <span
          key={`${r.startedAt}-${r.vantage ?? ''}-${i}`}
          className={`beat beat-${beats[i]}`}
          title={
            `${formatTime(r.startedAt, timezone, true)}: ${r.ok ? formatLatency(r.latencyMs) : (r.errorClass ?? 'failed')}` +
            (vantageName ? `, from ${vantageName(r.vantage)}` : '')
          }
        />
      ))}
    </div>
  );
}
