import type { PhaseTimings, ProbeResult, SeriesRange } from '../../../shared/model.ts';
import { formatDuration as formatConfigDuration } from '../../../shared/config/duration.ts';
import { DetailHead, Fact } from '../components/Detail.tsx';
import { HeartbeatBar } from '../components/Heartbeats.tsx';
import { MaintenanceActions } from '../components/MaintenanceActions.tsx';
import { ReplicationPanel } from '../components/ReplicationPanel.tsx';
import { SeriesPanel } from '../components/SeriesPanel.tsx';
import { VantageMatrix } from '../components/VantageMatrix.tsx';
import { RANGE_MS } from '../components/LatencyChart.tsx';
import { formatDuration, formatLastLatency, formatLatency, formatPercent, formatTime } from '../format.ts';
import { formatAge } from '../freshness.ts';
import { useQuery } from '../hooks/use-query.ts';
import { useVantageName } from '../hooks/use-vantage-names.ts';
import { href, navigate } from '../route.ts';
import { useBoard } from '../store.ts';
import { useNow } from '../shared-clock.ts';
import { CheckChart, RANGES } from './LatencyView.tsx';

const PHASES: { key: keyof PhaseTimings; label: string; color: string }[] = [
  { key: 'dnsMs', label: 'DNS', color: '#56b4e9' },
  { key: 'connectMs', label: 'connect', color: '#009e73' },
  { key: 'tlsMs', label: 'TLS', color: '#f0e442' },
  { key: 'ttfbMs', label: 'wait (TTFB)', color: '#e69f00' },
  { key: 'transferMs', label: 'transfer', color: '#cc79a7' },
];

/** One check in depth: history, availability, phase timings, recent errors and DNS answers. */
export function CheckDetail({ id, params }: { id: string; params: URLSearchParams }) {
  const check = useBoard((s) => s.board?.checks.find((c) => c.id === id));
  const regionName = useBoard((s) => s.board?.regions.find((r) => r.id === check?.region)?.name);
  const timezone = useBoard((s) => s.board?.timezone ?? 'UTC');
  const range = (RANGES.includes(params.get('range') as SeriesRange) ? params.get('range') : '1h') as SeriesRange;
  const byVantage = params.get('by') === 'vantage';
  const now = useNow(1000);
  const recent = useQuery('history.recent', { checkId: id, limit: 50 }, 10_000);
  const day = useQuery('history.availability', { checkId: id, range: '24h' }, 60_000);
  const week = useQuery('history.availability', { checkId: id, range: '7d' }, 300_000);
  const month = useQuery('history.availability', { checkId: id, range: '30d' }, 600_000);
  const since = useQuery('history.since', { checkId: id }, 60_000);
  // An availability over less than its range says how long it was measured: "100%" after 8 s is not a day.
  const covered = (range: SeriesRange): string | undefined => {
    const first = since.data ?? null;
    if (first === null || now - first >= RANGE_MS[range]) return undefined;
    return `measured over ${formatDuration(now - first)}`;
  };
  const nameOf = useVantageName();

  if (!check) {
    return (
      <div className="detail-view" data-testid="view-check">
        <p className="empty">
          No check “{id}” in the running config. <a href={href('checks')}>Back to checks</a>
        </p>
      </div>
    );
  }
  const results = recent.data ?? [];
  const errors = results.filter((r) => !r.ok);
  const latest = results[0];
  const withPhases = results.filter((r) => r.phases).slice(0, 12);
  const dns = results.find((r) => Array.isArray(r.dns) && r.dns.length > 0)?.dns ?? null;
  const tls = results.find((r) => r.tls)?.tls ?? null;
  // Probed from several vantages: the strip and the availability mix all their probes, a path
  // problem's failures among them, so they say so (each vantage's own figures are in the matrix).
  const spread = check.vantages && check.vantages.length > 1 ? check.vantages.length : null;
  // Said once, on the first of the three: the row of facts must stay one row on a wall.
  const dayNote =
    [spread !== null ? `all ${spread} vantages' probes` : null, covered('24h')].filter(Boolean).join(' · ') ||
    undefined;

  return (
    <div className="detail-view" data-testid="view-check" data-check={check.id}>
      <DetailHead back={{ view: 'checks', label: 'Checks' }} name={check.name} status={check.status}>
        <span className="muted">
          {check.type} · <code>{check.target}</code> · {regionName ?? check.region ?? 'no region'} · every{' '}
          {formatConfigDuration(check.intervalMs)}, timeout {formatConfigDuration(check.timeoutMs)}
        </span>
        {check.instanceOf !== undefined && (
          <span className="muted" data-testid="instance-of">
            a series of <a href={href('check', check.instanceOf)}>{check.instanceOf}</a>, shown as its own row (its
            history is its check&rsquo;s)
          </span>
        )}
      </DetailHead>
      <div className="detail-facts">
        <Fact
          label="Status"
          value={`${check.status.toUpperCase()}${check.since ? ` for ${formatAge(now - check.since)}` : ''}`}
        />
        <Fact
          label="Latency"
          value={formatLastLatency(check)}
          note={check.vantages && check.status !== 'down' ? "median of the vantages' latest" : undefined}
          testId="latency-fact"
        />
        <Fact label="Last probe" value={check.lastProbeAt ? `${formatAge(now - check.lastProbeAt)} ago` : 'never'} />
        <Fact label="Availability 24h" value={formatPercent(day.data ?? null)} note={dayNote} testId="avail-24h" />
        <Fact label="7 days" value={formatPercent(week.data ?? null)} note={covered('7d')} />
        <Fact label="30 days" value={formatPercent(month.data ?? null)} note={covered('30d')} />
        {check.skippedSlots !== undefined && (
          <Fact label="Slots skipped (probe still running)" value={String(check.skippedSlots)} />
        )}
        {Object.entries(check.details?.headers ?? {}).map(([name, value]) => (
          <Fact key={name} label={name} value={value} />
        ))}
      </div>
      <MaintenanceActions id={check.id} status={check.status} />
      {results.length > 0 && (
        <section className="detail-beats" aria-labelledby="beats-title">
          <h3 id="beats-title">
            Last {results.length} results{spread !== null ? ` from ${spread} vantages` : ''}{' '}
            <span className="muted">oldest left</span>
          </h3>
          <HeartbeatBar
            results={results}
            degradedLatencyMs={check.degradedLatencyMs ?? null}
            timezone={timezone}
            {...(spread !== null ? { vantageName: nameOf } : {})}
          />
        </section>
      )}
      <VantageMatrix check={check} now={now} />
      {check.errorClass && (
        <p className="detail-error" role="status">
          <code>{check.errorClass}</code> {check.message}
        </p>
      )}
      <section className="detail-chart">
        <div className="toolbar">
          <h3>Latency</h3>
          <div role="group" aria-label="Range" className="segmented">
            {RANGES.map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={r === range}
                onClick={() => navigate('check', id, { range: r, ...(byVantage ? { by: 'vantage' } : {}) })}
              >
                {r}
              </button>
            ))}
          </div>
          {check.vantages && check.vantages.length > 1 && (
            <div role="group" aria-label="Lines" className="segmented">
              <button type="button" aria-pressed={!byVantage} onClick={() => navigate('check', id, { range })}>
                Percentiles
              </button>
              <button
                type="button"
                aria-pressed={byVantage}
                onClick={() => navigate('check', id, { range, by: 'vantage' })}
                data-testid="latency-by-vantage"
              >
                Per vantage
              </button>
            </div>
          )}
        </div>
        <CheckChart check={check} range={range} interactive title={false} byVantage={byVantage} />
      </section>
      <div className="detail-columns">
        <section aria-labelledby="phases-title">
          <h3 id="phases-title">Phase timings</h3>
          {withPhases.length === 0 ? (
            <p className="muted">
              {recent.error ? `History unavailable: ${recent.error}` : 'No phase timings (HTTP checks report them).'}
            </p>
          ) : (
            <PhaseBars results={withPhases} timezone={timezone} />
          )}
          {tls && (
            <>
              <h3>Certificate</h3>
              <p>
                {tls.subject} · issued by {tls.issuer} · expires {formatTime(tls.notAfter, timezone, true)} (
                <strong className={tls.daysLeft < 14 ? 'c-degraded' : undefined}>
                  {Math.floor(tls.daysLeft)} days
                </strong>
                ) · {tls.authorized ? 'verified' : 'NOT verified'}
              </p>
            </>
          )}
          {dns && (
            <>
              <h3>DNS answers per resolver</h3>
              <table className="data-table" data-testid="dns-answers">
                <thead>
                  <tr>
                    <th scope="col">Resolver</th>
                    <th scope="col">Rcode</th>
                    <th scope="col">Answers</th>
                    <th scope="col">TTL</th>
                    <th scope="col">Latency</th>
                  </tr>
                </thead>
                <tbody>
                  {dns.map((a) => (
                    <tr key={a.resolver} className={a.errorClass ? 'is-error' : undefined}>
                      <td>
                        <code>{a.resolver}</code>
                      </td>
                      <td>{a.rcode ?? a.errorClass ?? '—'}</td>
                      <td>{a.answers.join(', ') || a.message || '—'}</td>
                      <td>{a.ttl !== null ? `${a.ttl}s` : '—'}</td>
                      <td>{formatLatency(a.latencyMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <ReplicationPanel results={results} />
          <SeriesPanel latest={latest} />
          {latest?.heartbeat && (
            <>
              <h3>Heartbeat</h3>
              <p>
                Last beat{' '}
                {latest.heartbeat.lastBeatAt ? formatTime(latest.heartbeat.lastBeatAt, timezone, true) : 'never'}
                {latest.heartbeat.reportedStatus ? ` · reported ${latest.heartbeat.reportedStatus}` : ''}
                {latest.heartbeat.message ? ` · ${latest.heartbeat.message}` : ''}
              </p>
            </>
          )}
        </section>
        <section aria-labelledby="errors-title">
          <h3 id="errors-title">Recent errors</h3>
          {errors.length === 0 ? (
            <p className="muted" data-testid="no-errors">
              {recent.error
                ? `History unavailable: ${recent.error}`
                : results.length
                  ? `No errors in the last ${results.length} results.`
                  : 'No results stored yet.'}
            </p>
          ) : (
            <table className="data-table" data-testid="recent-errors">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Class</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {errors.slice(0, 15).map((r) => (
                  <tr key={r.startedAt}>
                    <td>
                      <time dateTime={new Date(r.startedAt).toISOString()}>{formatTime(r.startedAt, timezone)}</time>
                    </td>
                    <td>
                      <code>{r.errorClass ?? 'error'}</code>
                    </td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}

/** Stacked bars: where each recent probe's time went, on a common scale. */
function PhaseBars({ results, timezone }: { results: ProbeResult[]; timezone: string }) {
  const total = (r: ProbeResult) => PHASES.reduce((sum, p) => sum + (Number(r.phases?.[p.key]) || 0), 0);
  const max = Math.max(1, ...results.map(total));
  return (
    <div className="phases" data-testid="phase-timings">
      <ul className="chart-legend">
        {PHASES.map((p) => (
          <li key={p.key}>
            <span className="swatch" style={{ background: p.color }} aria-hidden="true" /> {p.label}
          </li>
        ))}
      </ul>
      {results.map((r) => (
        <div key={r.startedAt} className="phase-row">
          <time>{formatTime(r.startedAt, timezone)}</time>
          <div
            className="phase-bar"
            role="img"
            aria-label={PHASES.map((p) => `${p.label} ${formatLatency(Number(r.phases?.[p.key]) || 0)}`).join(', ')}
          >
            {PHASES.map((p) => {
              const v = Number(r.phases?.[p.key]) || 0;
              return v > 0 ? <span key={p.key} style={{ width: `${(v / max) * 100}%`, background: p.color }} /> : null;
            })}
          </div>
          <span className="phase-total">{formatLatency(total(r))}</span>
        </div>
      ))}
    </div>
  );
}
