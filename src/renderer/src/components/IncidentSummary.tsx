import { memo } from 'react';
import type { IncidentView } from '../../../shared/model.ts';
import { formatDuration } from '../format.ts';
import { useSeenFrom } from '../hooks/use-vantage-names.ts';
import { href } from '../route.ts';
import { isSilenced, SilencedTag } from './SilencedTag.tsx';

const SEVERITY_GLYPH = { critical: '■', warning: '▲', info: '●' } as const;
/** Names listed per region in a blast radius; the rest are counted, so a wide outage stays one card. */
const NAMES_PER_REGION = 3;

/** One incident as the wall shows it: the one cause first, then how far it spread. */
export const IncidentSummary = memo(function IncidentSummary({
  incident,
  now,
  big,
}: {
  incident: IncidentView;
  now: number;
  big?: boolean;
}) {
  const byRegion = new Map<string, IncidentView['impacted']>();
  for (const item of incident.impacted) {
    const key = item.region ?? '—';
    byRegion.set(key, [...(byRegion.get(key) ?? []), item]);
  }
  const open = incident.state === 'open';
  const seenFrom = useSeenFrom(incident.seenBy);
  return (
    <article
      className={`incident-summary sev-${incident.severity}${open ? '' : ' is-resolved'}${big ? ' is-big' : ''}`}
      data-testid={`incident-${incident.id}`}
      data-state={incident.state}
    >
      <header>
        <span className="sev-tag">
          <span aria-hidden="true">{SEVERITY_GLYPH[incident.severity]}</span> {incident.severity.toUpperCase()}
        </span>
        <span className="incident-age">
          {open ? `open ${formatDuration(now - incident.openedAt)}` : 'resolved'}
          {incident.acknowledged ? ` · ack by ${incident.acknowledged.by}` : open ? ' · not acknowledged' : ''}
        </span>
        {isSilenced(incident, now) && <SilencedTag until={incident.silencedUntil!} />}
      </header>
      <h3>
        <a href={href('incidents', incident.id)}>{incident.title}</a>
      </h3>
      <p className="root-cause">
        <span className="label">Root cause</span>{' '}
        <strong data-testid="root-cause">
          <a href={href(incident.rootCause.kind, incident.rootCause.id)}>{incident.rootCause.name}</a>
        </strong>
      </p>
      {seenFrom && (
        <p className="seen-from" data-testid="seen-from">
          <span className="label">Seen from</span> {seenFrom}
        </p>
      )}
      <div className="blast">
        <span className="label">Blast radius</span>{' '}
        {incident.impacted.length === 0 ? (
          <span>nothing downstream</span>
        ) : (
          <>
            <strong>
              {incident.impacted.length} impacted in {byRegion.size} region{byRegion.size === 1 ? '' : 's'}
            </strong>
            <ul>
              {[...byRegion].map(([region, names]) => (
                <li key={region}>
                  <span className="blast-region">{region.toUpperCase()}</span>{' '}
                  {names.slice(0, NAMES_PER_REGION).map((x, i) => (
                    <span key={`${x.kind}-${x.id}`}>
                      {i > 0 && ', '}
                      <a href={href(x.kind, x.id)}>{x.name}</a>
                    </span>
                  ))}
                  {names.length > NAMES_PER_REGION ? ` + ${names.length - NAMES_PER_REGION} more` : ''}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </article>
  );
});
