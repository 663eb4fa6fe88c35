import { useEffect, useState } from 'react';
import { formatAge } from '../freshness.ts';
import type { BoardSummary } from '../board-summary.ts';
import { useBoard } from '../store.ts';
import { useNow } from '../shared-clock.ts';

/** Title, status counts, connection and data age, and the clock in the board's time zone. */
export function Header() {
  const title = useBoard((s) => s.board?.title ?? 'Knockon');
  const timezone = useBoard((s) => s.board?.timezone ?? 'UTC');
  // Kept by the store as deltas arrive: the header never walks the board's checks.
  const summary = useBoard((s) => s.summary);
  const connection = useBoard((s) => s.connection);
  const now = useNow(1000);
  const counts = summary?.counts ?? NO_COUNTS;
  const newestDataAt = summary?.newestProbeAt ?? null;
  const restored = summary?.restored ?? 0;
  const format = useClockFormat(timezone);
  const city = timezone.split('/').pop()?.replace(/_/g, ' ') ?? timezone;
  const age = newestDataAt !== null ? now - newestDataAt : null;
  // Counts that include states from before a restart are not current either.
  const stale = connection !== 'live' || restored > 0 || (age !== null && age > STALE_HEADER_MS);
  return (
    <header className="board-header">
      <h1 title={title}>{title}</h1>
      {/* Stale counts lose their colour (never lie on the wall); a zero never wears an alarm colour. */}
      <div
        className={`summary${stale ? ' is-stale' : ''}`}
        aria-live="polite"
        data-testid="summary"
        data-stale={stale ? 'true' : 'false'}
      >
        <Count status="down" glyph="■" n={counts.down} />
        <Count status="degraded" glyph="▲" n={counts.degraded} />
        <Count status="up" glyph="●" n={counts.up} />
        {/* Checks in planned maintenance are neither up nor down: counted, and only when there are some. */}
        {counts.maintenance > 0 && (
          <span className="count st-maintenance" data-testid="count-maintenance">
            <span aria-hidden="true">◆</span> {counts.maintenance} in maintenance
          </span>
        )}
        {restored > 0 && (
          <span className="count st-stale" data-testid="count-restored" title="last known state from before a restart">
            ◌ {restored} not probed since restart
          </span>
        )}
      </div>
      <div className={`connection conn-${connection}`} data-testid="connection" data-state={connection}>
        {connection === 'live'
          ? '● LIVE'
          : connection === 'connecting'
            ? 'CONNECTING…'
            : '■ CONNECTION LOST: reconnecting'}
        {age !== null && (
          <span className={`data-age${age > STALE_HEADER_MS ? ' is-old' : ''}`} data-testid="data-age">
            {' '}
            · newest data {formatAge(age)} old
          </span>
        )}
      </div>
      <div className="clock" data-testid="clock">
        <span className="clock-time">{format ? format.format(now) : '--:--:--'}</span>
        <span className="clock-zone">{city}</span>
      </div>
    </header>
  );
}

/**
 * The clock's format for `timezone`, made when the browser is next idle rather than in the render
 * that brings the board: a page's first `Intl.DateTimeFormat` loads the time-zone data (tens of
 * milliseconds), which would lengthen the task that shows the board. Until then, the previous
 * zone's format (null at start-up: the clock reads --:--:-- for a moment).
 */
function useClockFormat(timezone: string): Intl.DateTimeFormat | null {
  const [made, setMade] = useState<{ timezone: string; format: Intl.DateTimeFormat } | null>(null);
  useEffect(() => {
    if (made?.timezone === timezone) return;
    return whenIdle(() => setMade({ timezone, format: clockFormat(timezone) }));
  }, [made, timezone]);
  return made?.format ?? null;
}

/** Runs `run` when the browser is idle (within a second at the latest); returns a cancel. */
function whenIdle(run: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(run, { timeout: 1000 });
    return () => cancelIdleCallback(handle);
  }
  const handle = setTimeout(run, 0);
  return () => clearTimeout(handle);
}

function clockFormat(timezone: string): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: timezone });
  } catch {
    // An unknown zone must not take the board down: fall back to UTC, which the label then shows.
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' });
  }
}

const NO_COUNTS: BoardSummary['counts'] = { down: 0, degraded: 0, up: 0, maintenance: 0, other: 0 };

/** Newer data than this keeps the header counts in colour. */
const STALE_HEADER_MS = 30_000;

function Count({ status, glyph, n }: { status: 'down' | 'degraded' | 'up'; glyph: string; n: number }) {
  return (
    <span className={`count st-${status}${n === 0 ? ' is-zero' : ''}`} data-testid={`count-${status}`}>
      <span aria-hidden="true">{glyph}</span> {n} {status}
    </span>
  );
}
