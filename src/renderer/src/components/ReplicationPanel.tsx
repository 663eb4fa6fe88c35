import type { ProbeResult } from '../../../shared/model.ts';
import { formatLatency } from '../format.ts';
import { lagText, lagTrend } from '../replication-format.ts';

/** Data-tier checks: role, lag with its trend over the recent results, replicas, canary, nodes. */
export function ReplicationPanel({ results }: { results: ProbeResult[] }) {
  const latest = results.find((r) => r.replication)?.replication;
  if (!latest) return null;
  const withLag = results.filter((r) => r.replication);
  return (
    <>
      <h3>Replication</h3>
      <p data-testid="replication-lag">
        {latest.role ?? 'node set'}
        {latest.role === 'replica' && (
          <>
            {' '}
            · lag <strong>{lagText(latest.lagSeconds, latest.lagBytes)}</strong>
            {lagTrend(withLag)}
          </>
        )}
        {latest.canaryMs !== undefined &&
          ` · canary ${latest.canaryMs === null ? 'late' : formatLatency(latest.canaryMs)}`}
      </p>
      {latest.replicas && latest.replicas.length > 0 && (
        <ul>
          {latest.replicas.map((r) => (
            <li key={r.name}>
              <code>{r.name}</code> {r.state} · {lagText(null, r.lagBytes)} behind
            </li>
          ))}
        </ul>
      )}
      {latest.nodes && (
        <ul>
          {latest.nodes.map((n) => (
            <li key={n.node} className={n.errorClass ? 'is-error' : undefined}>
              <code>{n.node}</code> {n.digest ?? n.errorClass ?? 'missing'}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
