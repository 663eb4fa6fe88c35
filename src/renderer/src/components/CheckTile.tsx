import { memo } from 'react';
import type { CheckView } from '../../../shared/model.ts';
import { formatAge } from '../freshness.ts';
import { STATUS_STYLE } from '../status-style.ts';
import { StatusBadge } from './StatusBadge.tsx';

interface Props {
  check: CheckView;
  stale: boolean;
  now: number;
}

function formatLatency(ms: number | null): string {
  if (ms === null) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export const CheckTile = memo(function CheckTile({ check, stale, now }: Props) {
  const failing = check.status !== 'down' && check.consecutiveFailures > 0;
  return (
    <article
      className={`tile ${STATUS_STYLE[check.status].className}${stale ? ' is-stale' : ''}`}
      data-testid={`check-${check.id}`}
      data-status={check.status}
      data-stale={stale ? 'true' : 'false'}
      aria-label={`${check.name}: ${check.status}${stale ? ', stale' : ''}`}
    >
      <header className="tile-head">
        <StatusBadge status={check.status} />
        {stale && (
          <span className="stale-tag">STALE {check.lastProbeAt ? formatAge(now - check.lastProbeAt) : ''}</span>
        )}
      </header>
      <h3 className="tile-name">{check.name}</h3>
      <div className="tile-metrics">
        <span className="latency">{formatLatency(check.latencyMs)}</span>
        {check.since !== null && <span className="since">for {formatAge(now - check.since)}</span>}
      </div>
      <p className="tile-message" title={check.target}>
        {check.errorClass ? <code>{check.errorClass}</code> : null} {check.message}
        {failing ? ` (failing ${check.consecutiveFailures}×)` : ''}
      </p>
    </article>
  );
});
