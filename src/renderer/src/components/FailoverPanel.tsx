import type { FailoverState, FailoverView } from '../../../shared/model.ts';
import { approveFailover, failback, rejectFailover, startFailover } from '../actions.ts';
import { IfAllowed } from './SignIn.tsx';
import { formatDuration } from '../format.ts';

const STATE_LABEL: Record<FailoverState, { text: string; glyph: string; tone: string }> = {
  idle: { text: 'READY', glyph: '●', tone: 'ok' },
  awaiting_approval: { text: 'AWAITING APPROVAL', glyph: '▲', tone: 'warn' },
  running: { text: 'FAILING OVER', glyph: '▶', tone: 'warn' },
  failed_over: { text: 'FAILED OVER', glyph: '◆', tone: 'info' },
  failing_back: { text: 'FAILING BACK', glyph: '◀', tone: 'warn' },
  failed: { text: 'FAILED', glyph: '■', tone: 'bad' },
  cooldown: { text: 'COOLDOWN', glyph: '◌', tone: 'info' },
};

/** Failover policies and where each stands; engineers act on them here (with confirmation). */
export function FailoverPanel({
  failovers,
  now,
  actions,
}: {
  failovers: FailoverView[];
  now: number;
  actions: boolean;
}) {
  if (failovers.length === 0) return null;
  return (
    <section className="failovers" aria-label="Failover" data-testid="failovers">
      <h2>Failover</h2>
      <ul>
        {failovers.map((f) => {
          const label = STATE_LABEL[f.state] ?? { text: f.state.toUpperCase(), glyph: '?', tone: 'info' };
          return (
            <li
              key={f.policyId}
              className={`failover tone-${label.tone}`}
              data-testid={`failover-${f.policyId}`}
              data-state={f.state}
            >
              <div className="failover-head">
                <strong>{f.name}</strong>
                <span className="failover-state">
                  <span aria-hidden="true">{label.glyph}</span> {label.text}
                </span>
                <span className="failover-mode">{f.mode.replace('_', ' ')}</span>
                {f.since !== null && <span className="muted">for {formatDuration(now - f.since)}</span>}
              </div>
              <p className="muted">
                watches <code>{f.watches}</code>
                {f.lastMessage ? ` · ${f.lastMessage}` : ''}
              </p>
              {f.approval && (
                <p className="approval" role="status">
                  Needs approval: {f.approval.reason} (expires in {formatDuration(f.approval.expiresAt - now)})
                </p>
              )}
              {f.propagation && f.propagation.length > 0 && (
                <ul className="propagation" aria-label="DNS propagation">
                  {f.propagation.map((p) => (
                    <li key={p.resolver} className={p.converged ? 'is-converged' : 'is-pending'}>
                      <span aria-hidden="true">{p.converged ? '●' : '◌'}</span> {p.resolver}:{' '}
                      {p.answers.join(', ') || '—'}
                      {p.ttl !== null ? ` (TTL ${p.ttl}s)` : ''} {p.converged ? 'converged' : 'waiting'}
                    </li>
                  ))}
                </ul>
              )}
              {actions && (
                <IfAllowed method="failover.start">
                  <div className="buttons">
                    {f.state === 'awaiting_approval' && (
                      <>
                        <button type="button" className="danger" onClick={() => approveFailover(f)}>
                          Approve…
                        </button>
                        <button type="button" onClick={() => rejectFailover(f)}>
                          Reject…
                        </button>
                      </>
                    )}
                    {(f.state === 'idle' || f.state === 'failed') && (
                      <button type="button" onClick={() => startFailover(f)}>
                        Start failover…
                      </button>
                    )}
                    {f.state === 'failed_over' && (
                      <button type="button" onClick={() => failback(f)}>
                        Fail back…
                      </button>
                    )}
                  </div>
                </IfAllowed>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
