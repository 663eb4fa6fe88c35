import { memo } from 'react';
import type { CheckView, ImpactRole } from '../../../shared/model.ts';
import { formatLastLatency } from '../format.ts';
import { formatAge, isStale } from '../freshness.ts';
import { href } from '../route.ts';
import { useClock } from '../shared-clock.ts';
import { useBoard, useCheck } from '../store.ts';
import { STATUS_STYLE } from '../status-style.ts';
import { HeartbeatStrip } from './Heartbeats.tsx';
import { RoleTag, StatusBadge } from './StatusBadge.tsx';
import { VantageDots } from './VantageDots.tsx';

/** Tiles only age in 5-second steps: a second's precision is not worth re-rendering every tile. */
const TILE_CLOCK_MS = 5_000;

interface Props {
  id: string;
  /** Its component's part in the incident: the root cause is marked, knock-ons quietly. */
  role?: ImpactRole | undefined;
}

/**
 * One check's tile. It subscribes to its own check, so a delta re-renders the tiles whose check
 * changed and nothing else; the grid around it re-renders only when something moves.
 */
export const CheckTile = memo(function CheckTile({ id, role }: Props) {
  const check = useCheck(id);
  const connected = useBoard((s) => s.connection === 'live');
  return check ? <TileBody check={check} connected={connected} role={role} /> : null;
});

function TileBody({ check, connected, role }: { check: CheckView; connected: boolean; role?: ImpactRole | undefined }) {
  const stale = useClock((now) => isStale(check, now, connected));
  // Coarse time for the "for 3m" age, only on tiles that show one (not up, or stale): thousands
  // of healthy tiles never re-render because the clock moved.
  const now = useClock((t) => (stale || check.status !== 'up' ? Math.floor(t / TILE_CLOCK_MS) * TILE_CLOCK_MS : 0));
  const failing = check.status !== 'down' && check.consecutiveFailures > 0;
  return (
    <article
      className={`tile ${STATUS_STYLE[check.status].className}${stale ? ' is-stale' : ''}${check.quorum?.pathProblem ? ' is-path' : ''}${check.instanceOf !== undefined ? ' is-instance' : ''}`}
      data-testid={`check-${check.id}`}
      data-status={check.status}
      data-stale={stale ? 'true' : 'false'}
      aria-label={`${check.name}: ${check.status}${check.quorum?.pathProblem ? `, path problem from ${check.quorum.failing.join(', ')}` : ''}${stale ? ', stale' : ''}`}
    >
      <header className="tile-head">
        <StatusBadge status={check.status} />
        <VantageDots check={check} />
        <RoleTag role={role} testId={role === 'root_cause' ? `cause-${check.id}` : undefined} />
        {check.paused && <span className="stale-tag">PAUSED</span>}
        {check.instanceCounts && (
          <span className="role-tag" data-testid={`instances-${check.id}`}>
            {check.instanceCounts.down} of {check.instanceCounts.total} down
          </span>
        )}
        {check.instanceOf !== undefined && (
          <span className="role-tag is-impacted" title={`an instance of ${check.instanceOf}`}>
            ↳ {check.instanceOf}
          </span>
        )}
        {stale && (
          <span className="stale-tag">
            STALE {now > 0 && check.lastProbeAt ? formatAge(now - check.lastProbeAt) : ''}
          </span>
        )}
      </header>
      <h3 className="tile-name">
        <a href={href('check', check.id)}>{check.name}</a>
      </h3>
      <div className="tile-metrics">
        {/* A refused connection has no latency worth reading: the failure is the headline. An
            instance has no latency of its own (the query's is its check's). */}
        {(check.instanceOf === undefined || check.status === 'down') && (
          <span className={`latency${check.status === 'down' ? ' is-failure' : ''}`}>{formatLastLatency(check)}</span>
        )}
        {now > 0 && check.since !== null && <span className="since">for {formatAge(now - check.since)}</span>}
      </div>
      {/* The message is the line that gives way when a long name takes two: whole or not at all. */}
      <div className="tile-fill">
        <p className="tile-message" title={check.target}>
          {check.errorClass && check.status !== 'down' ? <code>{check.errorClass}</code> : null} {check.message}
          {failing ? ` (failing ${check.consecutiveFailures}×)` : ''}
        </p>
      </div>
      <HeartbeatStrip beats={check.beats} />
    </article>
  );
}
