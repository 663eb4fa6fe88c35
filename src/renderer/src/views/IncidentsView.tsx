import { memo, useEffect, useMemo, useState } from 'react';
import type { IncidentEventKind, IncidentView } from '../../../shared/model.ts';
import { acknowledgeIncident, addIncidentNote, endSilence, resolveIncident, silenceIncident } from '../actions.ts';
import { IfAllowed } from '../components/SignIn.tsx';
import { isSilenced, SilencedTag } from '../components/SilencedTag.tsx';
import { formatDuration, formatTime } from '../format.ts';
import { useQuery } from '../hooks/use-query.ts';
import { useSeenFrom } from '../hooks/use-vantage-names.ts';
import { href } from '../route.ts';
import { useBoard } from '../store.ts';
import { useNow } from '../shared-clock.ts';
import { compareIncidents } from '../../../shared/incident-order.ts';

/** Each kind of event has its own glyph and tone, so the timeline reads without colour too. */
export const EVENT_STYLE: Record<IncidentEventKind, { glyph: string; label: string; tone: string }> = {
  detected: { glyph: '◉', label: 'detected', tone: 'bad' },
  pending: { glyph: '◌', label: 'pending', tone: 'warn' },
  firing: { glyph: '■', label: 'firing', tone: 'bad' },
  escalated: { glyph: '▲', label: 'escalated', tone: 'bad' },
  impact_changed: { glyph: '◈', label: 'impact changed', tone: 'warn' },
  acknowledged: { glyph: '✓', label: 'acknowledged', tone: 'info' },
  silenced: { glyph: '◍', label: 'silenced', tone: 'info' },
  notification: { glyph: '✉', label: 'notified', tone: 'info' },
  failover: { glyph: '⇄', label: 'failover', tone: 'info' },
  dns_propagation: { glyph: '◎', label: 'DNS propagation', tone: 'info' },
  recovered: { glyph: '●', label: 'recovered', tone: 'ok' },
  resolved: { glyph: '✔', label: 'resolved', tone: 'ok' },
  note: { glyph: '✎', label: 'note', tone: 'info' },
};

const HISTORY_MS = 7 * 86_400_000;
/** Silence lengths to choose from; an hour unless the engineer picks another. */
const SILENCE_CHOICES = [
  { ms: 900_000, label: '15 min' },
  { ms: 3_600_000, label: '1 h' },
  { ms: 4 * 3_600_000, label: '4 h' },
  { ms: 86_400_000, label: '24 h' },
];
const WALL_EVENTS = 7;

/** Incidents with their events on a time axis, root cause, blast radius, MTTD and MTTR. */
export function IncidentsView({ wall, focus }: { wall: boolean; focus: string | null }) {
  const live = useBoard((s) => s.board?.incidents);
  const timezone = useBoard((s) => s.board?.timezone ?? 'UTC');
  const now = useNow(1000);
  // Older incidents come from the store; the board's own copy wins for the recent ones.
  const since = useMemo(() => Math.floor((Date.now() - HISTORY_MS) / 60_000) * 60_000, []);
  const older = useQuery('incidents.list', wall ? null : { since, limit: 50 }, 60_000);
  const incidents = useMemo(() => {
    const byId = new Map<string, IncidentView>();
    for (const i of older.data ?? []) byId.set(i.id, i);
    for (const i of live ?? []) byId.set(i.id, i);
    const all = [...byId.values()].sort(compareIncidents);
    return wall
      ? all
          .filter((i) => i.state === 'open')
          .concat(all.filter((i) => i.state !== 'open').slice(0, 1))
          .slice(0, 3)
      : all;
  }, [live, older.data, wall]);

  useEffect(() => {
    if (focus) document.getElementById(`incident-${focus}`)?.scrollIntoView({ block: 'start' });
  }, [focus, incidents.length]);

  return (
    <div className="incidents-view" data-testid="view-incidents">
      {!wall && <ActiveSilences incidents={incidents} now={now} timezone={timezone} />}
      {incidents.length === 0 ? (
        <div className="all-clear" data-testid="no-incidents">
          <span className="all-clear-glyph" aria-hidden="true">
            ●
          </span>
          <div>
            <strong>No incidents</strong>
            <p className="muted">
              Incidents appear here with their timeline when a root cause is found.
              {older.error && !wall ? ` (History: ${older.error})` : ''}
            </p>
          </div>
        </div>
      ) : (
        incidents.map((incident) => (
          <IncidentTimeline
            key={incident.id}
            incident={incident}
            now={incident.state === 'open' ? now : 0}
            timezone={timezone}
            focused={incident.id === focus}
            actions={!wall}
          />
        ))
      )}
    </div>
  );
}

const IncidentTimeline = memo(function IncidentTimeline({
  incident,
  now,
  timezone,
  focused,
  actions,
}: {
  incident: IncidentView;
  now: number;
  timezone: string;
  focused: boolean;
  actions: boolean;
}) {
  const open = incident.state === 'open';
  const silenced = isSilenced(incident, now);
  const start = Math.min(incident.detectedAt, incident.openedAt, ...incident.events.map((e) => e.at));
  const end = Math.max(incident.resolvedAt ?? 0, open ? now : 0, ...incident.events.map((e) => e.at), start + 1000);
  const span = end - start;
  const position = (at: number) => `${(((at - start) / span) * 100).toFixed(2)}%`;
  const mttd = incident.openedAt - incident.detectedAt;
  const seenFrom = useSeenFrom(incident.seenBy);
  const mtta = incident.acknowledged ? incident.acknowledged.at - incident.openedAt : null;
  const mttr = incident.resolvedAt !== null ? incident.resolvedAt - incident.detectedAt : null;
  const events = [...incident.events].sort((a, b) => a.at - b.at);
  // The wall has room for a few lines: the latest ones are what the room needs.
  const listed = actions ? events : events.slice(-WALL_EVENTS);
  return (
    <article
      id={`incident-${incident.id}`}
      className={`incident sev-${incident.severity}${open ? ' is-open' : ' is-resolved'}${focused ? ' is-focused' : ''}`}
      data-testid={`timeline-${incident.id}`}
      data-state={incident.state}
      aria-labelledby={`incident-title-${incident.id}`}
    >
      <header className="incident-head">
        <span className="sev-tag">
          <span aria-hidden="true">
            {incident.severity === 'critical' ? '■' : incident.severity === 'warning' ? '▲' : '●'}
          </span>{' '}
          {incident.severity.toUpperCase()}
        </span>
        <h2 id={`incident-title-${incident.id}`}>
          <a href={href('incidents', incident.id)}>{incident.title}</a>
        </h2>
        <span className={`state-tag ${open ? 'is-open' : 'is-resolved'}`}>{open ? 'OPEN' : 'RESOLVED'}</span>
        {silenced && <SilencedTag until={incident.silencedUntil!} timezone={timezone} />}
        {incident.acknowledged && (
          <span className="ack-tag">
            ✓ ack {incident.acknowledged.by}
            {incident.acknowledged.note ? `: ${incident.acknowledged.note}` : ''}
          </span>
        )}
        {actions && (
          <IfAllowed method="incidents.acknowledge">
            <span className="buttons">
              {open && !incident.acknowledged && (
                <button type="button" onClick={() => acknowledgeIncident(incident)} data-testid="acknowledge">
                  Acknowledge…
                </button>
              )}
              {open && !silenced && <SilenceButton incident={incident} />}
              {silenced && (
                <button type="button" onClick={() => endSilence(incident)} data-testid="end-silence">
                  End silence…
                </button>
              )}
              <button type="button" onClick={() => addIncidentNote(incident)} data-testid="add-note">
                Add note…
              </button>
              {open && (
                <button type="button" onClick={() => resolveIncident(incident)} data-testid="resolve">
                  Resolve…
                </button>
              )}
            </span>
          </IfAllowed>
        )}
      </header>
      <div className="incident-body">
        <dl className="incident-facts">
          <div>
            <dt>Root cause</dt>
            <dd data-testid="root-cause">
              <strong>
                <a href={href(incident.rootCause.kind, incident.rootCause.id)}>{incident.rootCause.name}</a>
              </strong>{' '}
              <span className="muted">
                {incident.rootCause.kind} <code>{incident.rootCause.id}</code>
              </span>
            </dd>
          </div>
          <div>
            <dt>Impacted ({incident.impacted.length})</dt>
            <dd data-testid="impacted">
              {incident.impacted.length === 0
                ? 'nothing downstream'
                : incident.impacted.map((x, i) => (
                    <span key={`${x.kind}-${x.id}`}>
                      {i > 0 && ', '}
                      <a href={href(x.kind, x.id)}>{x.name}</a>
                      {x.region ? ` (${x.region})` : ''}
                    </span>
                  ))}
            </dd>
          </div>
          {seenFrom && (
            <div>
              <dt>Seen from</dt>
              <dd data-testid="seen-from">{seenFrom}</dd>
            </div>
          )}
          <div className="durations">
            <dt>Durations</dt>
            <dd>
              <span title="Mean time to detect: first failing result to incident opened">
                MTTD {formatDuration(mttd)}
              </span>
              <span title="Time to acknowledge">MTTA {formatDuration(mtta)}</span>
              <span title="Time to resolve, from the first failing result" data-testid="mttr">
                MTTR {mttr !== null ? formatDuration(mttr) : `open ${formatDuration(now - incident.detectedAt)}`}
              </span>
            </dd>
          </div>
        </dl>
        <div className="timeline" aria-hidden="true">
          <div className="timeline-bar">
            <div
              className="timeline-span"
              style={{
                left: position(incident.detectedAt),
                width: `calc(${position(incident.resolvedAt ?? end)} - ${position(incident.detectedAt)})`,
              }}
            />
            {events.map((e, i) => (
              <span
                key={i}
                className={`timeline-mark tone-${EVENT_STYLE[e.kind]?.tone ?? 'info'}`}
                style={{ left: position(e.at) }}
                title={`${formatTime(e.at, timezone)} ${e.kind}: ${e.message}`}
              >
                {EVENT_STYLE[e.kind]?.glyph ?? '•'}
              </span>
            ))}
          </div>
          <div className="timeline-axis">
            <span>{formatTime(start, timezone)}</span>
            <span>{formatDuration(span)}</span>
            <span>{open ? 'now' : formatTime(end, timezone)}</span>
          </div>
        </div>
        <ol className="event-list" aria-label={`Timeline of ${incident.title}`}>
          {listed.map((e, i) => (
            <li
              key={i}
              className={`tone-${EVENT_STYLE[e.kind]?.tone ?? 'info'}`}
              data-kind={e.kind}
              data-testid="timeline-event"
            >
              <time dateTime={new Date(e.at).toISOString()}>{formatTime(e.at, timezone)}</time>
              <span className="event-kind">
                <span aria-hidden="true">{EVENT_STYLE[e.kind]?.glyph ?? '•'}</span>{' '}
                {EVENT_STYLE[e.kind]?.label ?? e.kind}
              </span>
              <span className="event-message">{e.message}</span>
            </li>
          ))}
        </ol>
      </div>
    </article>
  );
});

function SilenceButton({ incident }: { incident: IncidentView }) {
  const [forMs, setForMs] = useState(SILENCE_CHOICES[1]!.ms);
  return (
    <span className="silence-choice">
      <select
        aria-label="Silence for"
        value={forMs}
        onChange={(e) => setForMs(Number(e.target.value))}
        data-testid="silence-length"
      >
        {SILENCE_CHOICES.map((c) => (
          <option key={c.ms} value={c.ms}>
            {c.label}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => silenceIncident(incident, forMs)} data-testid="silence">
        Silence…
      </button>
    </span>
  );
}

/** Every silence in force, with when it ends and a way to end it early. */
function ActiveSilences({ incidents, now, timezone }: { incidents: IncidentView[]; now: number; timezone: string }) {
  const silenced = incidents.filter((i) => isSilenced(i, now));
  if (silenced.length === 0) return null;
  return (
    <section className="active-silences" aria-label="Active silences" data-testid="active-silences">
      <h2>
        Active silences <span className="muted">{silenced.length}</span>
      </h2>
      <ul>
        {silenced.map((i) => (
          <li key={i.id}>
            <a href={href('incidents', i.id)}>{i.title}</a>
            <span className="muted">
              until {formatTime(i.silencedUntil!, timezone)} ({formatDuration(i.silencedUntil! - now)} left)
            </span>
            <button type="button" onClick={() => endSilence(i)}>
              End silence…
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
