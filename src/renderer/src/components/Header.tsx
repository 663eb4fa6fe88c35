import type { Connection } from '../store.ts';
import { formatAge } from '../freshness.ts';

interface Props {
  title: string;
  timezone: string;
  now: number;
  connection: Connection;
  newestDataAt: number | null;
  counts: { down: number; degraded: number; up: number; total: number };
}

export function Header({ title, timezone, now, connection, newestDataAt, counts }: Props) {
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(now);
  const city = timezone.split('/').pop()?.replace(/_/g, ' ') ?? timezone;
  return (
    <header className="board-header">
      <h1>{title}</h1>
      <div className="summary" aria-live="polite">
        <span className="count st-down" data-testid="count-down">
          ■ {counts.down} down
        </span>
        <span className="count st-degraded">▲ {counts.degraded} degraded</span>
        <span className="count st-up">● {counts.up} up</span>
      </div>
      <div className={`connection conn-${connection}`} data-testid="connection" data-state={connection}>
        {connection === 'live' ? 'LIVE' : connection === 'connecting' ? 'CONNECTING…' : 'CONNECTION LOST: reconnecting'}
        {newestDataAt !== null && <span className="data-age"> · data {formatAge(now - newestDataAt)} old</span>}
      </div>
      <div className="clock" data-testid="clock">
        <span className="clock-time">{time}</span>
        <span className="clock-zone">{city}</span>
      </div>
    </header>
  );
}
