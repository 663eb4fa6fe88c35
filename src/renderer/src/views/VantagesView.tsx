import type { VantageView } from '../../../shared/model.ts';
import { formatAge } from '../freshness.ts';
import { useBoard } from '../store.ts';
import { useNow } from '../shared-clock.ts';

function linkText(v: VantageView, now: number): string {
  if (v.kind !== 'agent' || !v.link) return 'this machine';
  if (v.link.lastSeenAt === null) return 'never connected';
  const age = `${formatAge(Math.max(0, now - v.link.lastSeenAt))} ago`;
  return v.link.connected ? `connected · last sync ${age}` : `DISCONNECTED · last sync ${age}`;
}

/** Every vantage the board decides with: which are online, their links, clocks and buffers. */
export function VantagesView() {
  const vantages = useBoard((s) => s.board?.vantages ?? (s.board ? [s.board.vantage] : []));
  const now = useNow(1000);
  return (
    <div className="detail-view" data-testid="view-vantages">
      <header className="detail-head">
        <h2>Vantages</h2>
        <span className="muted">
          Where checks are probed from. A vantage that is offline or disconnected does not vote: no data is not down.
        </span>
      </header>
      <table className="data-table vantages-table">
        <thead>
          <tr>
            <th scope="col">Vantage</th>
            <th scope="col">Kind</th>
            <th scope="col">Region</th>
            <th scope="col">State</th>
            <th scope="col">Link</th>
            <th scope="col">Clock skew</th>
            <th scope="col">Buffered</th>
            <th scope="col">Dropped</th>
            <th scope="col">Checks</th>
            <th scope="col">Version</th>
          </tr>
        </thead>
        <tbody>
          {vantages.map((v) => (
            <tr
              key={v.id}
              data-testid={`vantage-${v.id}`}
              data-online={v.online ? 'true' : 'false'}
              className={v.online ? undefined : 'is-offline'}
            >
              <th scope="row">
                {v.name} <span className="muted">({v.id})</span>
              </th>
              <td>{v.kind === 'agent' ? 'agent' : 'local'}</td>
              <td>{v.region ?? '—'}</td>
              <td>{v.online ? 'online' : <strong>OFFLINE: {v.reason ?? 'no reason given'}</strong>}</td>
              <td>{linkText(v, now)}</td>
              <td>{v.link?.skewMs == null ? '—' : `${v.link.skewMs > 0 ? '+' : ''}${Math.round(v.link.skewMs)} ms`}</td>
              <td>{v.link ? v.link.buffered : '—'}</td>
              <td>{v.link ? v.link.dropped : '—'}</td>
              <td>{v.link ? v.link.checks : '—'}</td>
              <td>{v.link?.version ?? v.version ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
