import type { CheckVantageView, CheckView } from '../../../shared/model.ts';
import { formatLatency, formatPercent, vantageName } from '../format.ts';
import { formatAge } from '../freshness.ts';
import { useQuery } from '../hooks/use-query.ts';
import { useBoard } from '../store.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** Why a vantage's view does not count now, in words. */
function silence(vantageOnline: boolean | undefined, lastProbeAt: number | null): string {
  if (lastProbeAt === null) return 'no result yet';
  if (vantageOnline === false) return 'observer offline';
  return 'stale';
}

/**
 * A check seen from each of its vantages: the (check, vantage) matrix, the quorum that decided
 * its status, and a path problem said as one (some vantages cannot reach it; it is not down).
 */
export function VantageMatrix({ check, now }: { check: CheckView; now: number }) {
  const vantages = useBoard((s) => s.board?.vantages);
  const quorum = check.quorum;
  if (!quorum || !check.vantages) return null;
  const byId = new Map((vantages ?? []).map((v) => [v.id, v]));
  const name = (id: string) => vantageName(vantages, id);
  const failing = quorum.failing.map(name);
  return (
    <section className="vantage-matrix" aria-labelledby="vantages-title" data-testid="vantage-matrix">
      <h3 id="vantages-title">Seen from {quorum.of} vantages</h3>
      {quorum.pathProblem && (
        <p className="path-banner" role="status" data-testid="path-problem">
          Path problem: {failing.join(', ')} cannot reach it ({quorum.failing.length} of {quorum.of} vantages). The
          service is not down: the others see it {check.status}.
        </p>
      )}
      <p className="muted" data-testid="quorum-line">
        Quorum {quorum.rule}: {quorum.voters} voting
        {quorum.failing.length > 0
          ? `, ${failing.join(', ')} ${quorum.failing.length === 1 ? 'sees' : 'see'} it down`
          : ''}
        {quorum.held ? ' — too few vantages have fresh data: the status is held at the last decision' : ''}
      </p>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Vantage</th>
            <th scope="col">Status</th>
            <th scope="col">Latency</th>
            <th scope="col">Last probe</th>
            <th scope="col">Vote</th>
            <th scope="col">Availability 24h</th>
            <th scope="col">Last result</th>
          </tr>
        </thead>
        <tbody>
          {check.vantages.map((v) => (
            <VantageRow
              key={v.vantage}
              checkId={check.id}
              v={v}
              name={name(v.vantage)}
              now={now}
              silent={silence(byId.get(v.vantage)?.online, v.lastProbeAt)}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One vantage's line of the matrix, with its own 24 h availability (history per vantage). */
function VantageRow({
  checkId,
  v,
  name,
  now,
  silent,
}: {
  checkId: string;
  v: CheckVantageView;
  name: string;
  now: number;
  silent: string;
}) {
  const day = useQuery('history.availability', { checkId, range: '24h', vantage: v.vantage }, 60_000);
  return (
    <tr data-testid={`vantage-row-${v.vantage}`} data-status={v.status}>
      <th scope="row">{name}</th>
      <td>
        <StatusBadge status={v.status} />
      </td>
      <td>{formatLatency(v.latencyMs)}</td>
      <td>{v.lastProbeAt ? `${formatAge(now - v.lastProbeAt)} ago` : 'never'}</td>
      <td>{v.voting ? 'voting' : `not voting: ${silent}`}</td>
      <td data-testid={`vantage-availability-${v.vantage}`}>{formatPercent(day.data ?? null)}</td>
      <td>
        {v.errorClass ? <code>{v.errorClass}</code> : null} {v.message}
      </td>
    </tr>
  );
}
