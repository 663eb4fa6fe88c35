import { memo } from 'react';
import type { CheckView } from '../../../shared/model.ts';
import { formatLatency } from '../format.ts';
import { formatAge } from '../freshness.ts';
import { href } from '../route.ts';
import { STATUS_STYLE } from '../status-style.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { VantageDots } from './VantageDots.tsx';

interface Props {
  check: CheckView;
  stale: boolean;
  /**
   * Coarse time for the "for 3m" age, given only to tiles that show one (not up, or stale); 0
   * otherwise, so thousands of healthy tiles never re-render because the clock moved.
   */
  now: number;
}

export const CheckTile = memo(function CheckTile({ check, stale, now }: Props) {
  const failing = check.status !== 'down' && check.consecutiveFailures > 0;
  return (
    <article
      className={`tile ${STATUS_STYLE[check.status].className}${stale ? ' is-stale' : ''}${check.quorum?.pathProblem ? ' is-path' : ''}`}
      data-testid={`check-${check.id}`}
      data-status={check.status}
      data-stale={stale ? 'true' : 'false'}
      aria-label={`${check.name}: ${check.status}${check.quorum?.pathProblem ? `, path problem from ${check.quorum.failing.join(', ')}` : ''}${stale ? ', stale' : ''}`}
    >
      <header className="tile-head">
        <StatusBadge status={check.status} />
        <VantageDots check={check} />
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
        <span className="latency">{formatLatency(check.latencyMs)}</span>
        {now > 0 && check.since !== null && <span className="since">for {formatAge(now - check.since)}</span>}
      </div>
      <p className="tile-message" title={check.target}>
        {check.errorClass ? <code>{check.errorClass}</code> : null} {check.message}
        {failing ? ` (failing ${check.consecutiveFailures}×)` : ''}
      </p>
    </article>
  );
});
