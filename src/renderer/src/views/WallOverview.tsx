import { useLayoutEffect, useMemo, useState, type CSSProperties } from 'react';
import type { CheckView, FailoverView, IncidentView } from '../../../shared/model.ts';
import { FailoverPanel } from '../components/FailoverPanel.tsx';
import { IncidentSummary } from '../components/IncidentSummary.tsx';
import { RoleTag, StatusBadge } from '../components/StatusBadge.tsx';
import { useSize } from '../hooks/use-size.ts';
import { formatDuration } from '../format.ts';
import { useVantageName } from '../hooks/use-vantage-names.ts';
import { fitRegions, regionColumns, summariseRegions } from '../regions.ts';
import { href } from '../route.ts';
import { useBoard, useConfigChecks } from '../store.ts';
import { STATUS_STYLE } from '../status-style.ts';
import { useNow } from '../shared-clock.ts';
import { compareIncidents, describeRest, splitForRoom } from '../../../shared/incident-order.ts';

const ITEMS_PER_REGION = 7;
const RECENT_CHANGES = 6;
/** More regions than this and the cards drop their item lists, so every region stays on screen. */
const COMPACT_ABOVE = 4;
/** Incident cards with their blast radius in full; criticals beyond this still show, denser. */
const INCIDENT_ROOM = { wall: 2, desk: 4 };
/** More cards than this and each drops its list of names: the counts stay, every critical fits. */
const DENSE_ABOVE = 3;

const NO_FAILOVERS: readonly FailoverView[] = [];

const ATTENTION: Partial<Record<FailoverView['state'], string>> = {
  awaiting_approval: 'awaiting approval',
  running: 'failing over',
  failing_back: 'failing back',
  failed: 'failed',
};

/**
 * Failovers that need a person or are moving, in one line at the top: the full panel sits below
 * the incidents and may be below the fold on a wall in a bad hour.
 */
function FailoverAttention({ failovers }: { failovers: FailoverView[] }) {
  const urgent = failovers.filter((f) => ATTENTION[f.state]);
  if (urgent.length === 0) return null;
  return (
    <p className="failover-attention" role="status" data-testid="failover-attention">
      <span aria-hidden="true">▲</span> Failover: {urgent.map((f) => `${f.name} ${ATTENTION[f.state]}`).join(' · ')}
    </p>
  );
}

/** The latest status changes: what moved, and when, for whoever looks up at the wall. */
function RecentChanges({ checks, now }: { checks: CheckView[]; now: number }) {
  const recent = useMemo(
    () =>
      checks
        .filter((c) => c.since !== null)
        .sort((a, b) => b.since! - a.since!)
        .slice(0, RECENT_CHANGES),
    [checks],
  );
  if (recent.length === 0) return null;
  return (
    <section className="recent-changes" aria-label="Latest status changes" data-testid="recent-changes">
      <h2>Latest changes</h2>
      <ul>
        {recent.map((c) => (
          <li key={c.id}>
            <StatusBadge status={c.status} />
            <a href={href('check', c.id)}>{c.name}</a>
            <span className="muted">{formatDuration(now - c.since!)} ago</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * On the wall, the incident cards, their "+ 6 warnings" line and the failover panel under them
 * must end inside the column: it cannot scroll, and a card (or an approval) cut in half reads as
 * nothing from across the room. After a layout the last of them is measured; while it ends below
 * the column, one card fewer is shown (never fewer than the criticals: splitForRoom keeps them),
 * then the cards and the failover panel go dense. Starts again from `room` when the incidents,
 * the failovers' states or the column's size change; measured only then (and after each step),
 * not on every render. The engineer's overview scrolls instead.
 */
function useIncidentFit(
  ref: React.RefObject<HTMLElement | null>,
  open: readonly IncidentView[],
  failovers: readonly FailoverView[],
  room: number,
  wall: boolean,
  size: { width: number; height: number },
): { room: number; dense: boolean } {
  const key = [
    room,
    `${size.width}x${size.height}`,
    open.map((i) => `${i.id}:${i.severity}`).join(','),
    failovers.map((f) => `${f.policyId}:${f.state}`).join(','),
  ].join('|');
  const [fit, setFit] = useState({ key, room, dense: false });
  const current = fit.key === key ? fit : { key, room, dense: false };
  useLayoutEffect(() => {
    const column = ref.current;
    if (!wall || !column) return;
    const parts = column.querySelectorAll(
      '[data-testid^="incident-"], [data-testid="more-incidents"], [data-testid="failovers"]',
    );
    const last = parts[parts.length - 1];
    if (!last || last.getBoundingClientRect().bottom <= column.getBoundingClientRect().bottom + 0.5) return;
    const shown = splitForRoom(open, current.room).shown.length;
    if (current.room > 1 && shown > 1 && open[shown - 1]?.severity !== 'critical') {
      setFit({ key, room: Math.min(current.room, shown) - 1, dense: current.dense });
    } else if (!current.dense) setFit({ key, room: current.room, dense: true });
    // `open` is in `key`; the ref is stable.
  }, [wall, key, current.room, current.dense]);
  return current;
}

/** Regions at a glance and what is wrong right now: the view a NOC reads from across the room. */
export function WallOverview({ wall }: { wall: boolean }) {
  const regions = useBoard((s) => s.board?.regions);
  const checks = useConfigChecks();
  const components = useBoard((s) => s.board?.components);
  const incidents = useBoard((s) => s.board?.incidents);
  const failovers = useBoard((s) => s.board?.failovers);
  const offline = useBoard((s) => s.board?.vantage.online === false);
  const vantageName = useVantageName();
  const now = useNow(1000);
  const summaries = useMemo(
    () => summariseRegions(regions ?? [], checks ?? [], components ?? []),
    [regions, checks, components],
  );
  const open = useMemo(() => (incidents ?? []).filter((i) => i.state === 'open').sort(compareIncidents), [incidents]);
  const [incidentsRef, incidentsSize] = useSize<HTMLElement>();
  const fit = useIncidentFit(
    incidentsRef,
    open,
    failovers ?? NO_FAILOVERS,
    wall ? INCIDENT_ROOM.wall : INCIDENT_ROOM.desk,
    wall,
    incidentsSize,
  );
  const { shown, rest } = splitForRoom(open, fit.room);
  const { cards, folded } = useMemo(() => fitRegions(summaries), [summaries]);
  const columns = regionColumns(cards.length + (folded.length > 0 ? 1 : 0));
  const lastResolved = useMemo(() => (incidents ?? []).find((i) => i.state === 'resolved'), [incidents]);
  const problems = useMemo(
    () => (checks ?? []).reduce((n, c) => n + (c.status === 'down' || c.status === 'degraded' ? 1 : 0), 0),
    [checks],
  );

  return (
    <div className="overview" data-testid="view-wall">
      <section
        className={`overview-regions${summaries.length > COMPACT_ABOVE ? ' is-compact' : ''}`}
        aria-label="Regions"
        style={{ '--cols': columns } as CSSProperties}
        data-testid="overview-regions"
      >
        {cards.map((s) => (
          <article
            key={s.id}
            className={`region-card ${STATUS_STYLE[s.status].className}${s.stale > 0 ? ' is-stale' : ''}`}
            data-testid={`region-card-${s.id || 'other'}`}
            data-status={s.status}
            data-stale={s.stale > 0 ? 'true' : 'false'}
          >
            <header>
              <h2 title={s.name}>{s.name}</h2>
              {s.region?.providerRegion && <span className="provider muted">{s.region.providerRegion}</span>}
            </header>
            <div className="region-status">
              <span className="region-glyph" aria-hidden="true">
                {STATUS_STYLE[s.status].glyph}
              </span>
              <span>{STATUS_STYLE[s.status].label}</span>
            </div>
            <p className="region-counts">
              {s.counts.down > 0 && <span className="c-down">■ {s.counts.down} down</span>}
              {s.counts.degraded > 0 && <span className="c-degraded">▲ {s.counts.degraded} degraded</span>}
              {s.counts.unknown > 0 && <span className="c-unknown">? {s.counts.unknown} unknown</span>}
              {/* States from before a restart: the card is dimmed and says how many until probed. */}
              {s.stale > 0 && (
                <span className="c-stale" data-testid={`region-stale-${s.id || 'other'}`}>
                  ◌ {s.stale} stale
                </span>
              )}
              {/* Not an outage, but a network one of the vantages has: which vantages cannot reach it. */}
              {s.paths > 0 && (
                <span className="c-path" data-testid={`region-paths-${s.id || 'other'}`}>
                  ◇ {s.paths} path problem{s.paths === 1 ? '' : 's'} · {s.pathVantages.map(vantageName).join(', ')}
                </span>
              )}
              {/* A zero is not news: it never wears an alarm colour. */}
              <span className={s.counts.up > 0 ? 'c-up' : 'muted'}>● {s.counts.up} up</span>
              <span className="muted">
                of {s.total} check{s.total === 1 ? '' : 's'}
              </span>
            </p>
            <ul className="region-items">
              {s.items.slice(0, ITEMS_PER_REGION).map((item) => (
                <li key={`${item.kind}-${item.id}`} data-status={item.status}>
                  <StatusBadge status={item.status} compact />
                  <a href={href(item.kind, item.id)}>{item.name}</a>
                  <RoleTag role={item.role} />
                  {item.backup !== undefined && (
                    <span className="role-tag is-backup" title={`serving from the backup (${item.backup})`}>
                      ON BACKUP
                    </span>
                  )}
                </li>
              ))}
              {s.items.length > ITEMS_PER_REGION && (
                <li className="muted">+ {s.items.length - ITEMS_PER_REGION} more</li>
              )}
            </ul>
          </article>
        ))}
        {folded.length > 0 && (
          <article className="region-card st-up is-folded" data-testid="region-card-folded">
            <header>
              <h2>+ {folded.length} regions</h2>
            </header>
            <p className="region-counts muted">{folded.map((f) => f.name).join(', ')}</p>
          </article>
        )}
        {summaries.length === 0 && <p className="empty">No regions or checks configured.</p>}
      </section>
      <section
        ref={incidentsRef}
        className={`overview-incidents${shown.length > DENSE_ABOVE || fit.dense ? ' is-dense' : ''}`}
        aria-label="Active incidents"
        data-testid="active-incidents"
      >
        <h2>
          Active incidents <span className="muted">{open.length}</span>
        </h2>
        <FailoverAttention failovers={failovers ?? []} />
        {open.length === 0 ? (
          problems > 0 ? (
            <div className="all-clear is-pending" data-testid="no-incidents">
              <span className="all-clear-glyph" aria-hidden="true">
                ▲
              </span>
              <div>
                <strong>No incident open yet</strong>
                <p className="muted">
                  {problems} check{problems === 1 ? '' : 's'} down or degraded;{' '}
                  {offline
                    ? 'alerts are held while this observer is offline.'
                    : 'alert rules decide when an incident opens.'}
                </p>
              </div>
            </div>
          ) : (
            <div className="all-clear" data-testid="no-incidents">
              <span className="all-clear-glyph" aria-hidden="true">
                ●
              </span>
              <div>
                <strong>No active incidents</strong>
                {lastResolved?.resolvedAt ? (
                  <p className="muted">
                    Last: {lastResolved.title}, resolved {formatDuration(now - lastResolved.resolvedAt)} ago
                  </p>
                ) : (
                  <p className="muted">Nothing has needed an incident since the engine started.</p>
                )}
              </div>
            </div>
          )
        ) : (
          shown.map((incident) => (
            <IncidentSummary key={incident.id} incident={incident} now={now} big={shown.length <= 2 && !fit.dense} />
          ))
        )}
        {rest.length > 0 && (
          <p className="more-incidents" data-testid="more-incidents">
            <a href={href('incidents')}>{describeRest(rest)}</a>
          </p>
        )}
        <FailoverPanel failovers={failovers ?? []} now={now} actions={!wall} />
        <RecentChanges checks={checks ?? []} now={now} />
      </section>
    </div>
  );
}
