import type { IncidentView } from '../../../shared/model.ts';
import { formatTime } from '../format.ts';

/** Silenced now: open, with a silence that has not run out (the clock ticks it away by itself). */
export function isSilenced(incident: IncidentView, now: number): boolean {
  return incident.state === 'open' && (incident.silencedUntil ?? 0) > (now || Date.now());
}

/** The silenced badge; with a time zone it says until when (the wall's summary has no room). */
export function SilencedTag({ until, timezone }: { until: number; timezone?: string }) {
  return (
    <span className="silenced-tag" data-testid="silenced-tag" title="notifications are held until then">
      <span aria-hidden="true">◍</span> SILENCED{timezone === undefined ? '' : ` until ${formatTime(until, timezone)}`}
    </span>
  );
}
