/**
 * Following a DNS change as it propagates: every resolver is asked separately, round after
 * round, until each returns the new value or the old TTL has run out (after which a resolver
 * still answering the old value is broken or not fed by the zone, and verification fails).
 */
import type { RecordType } from 'dns-packet';
import type { DnsResolverAnswer, FailoverView } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { expectedText } from '../probes/dns-answer.ts';
import { dnsProbe } from '../probes/dns-probe.ts';
import { pause } from './pause.ts';

export type PropagationRow = NonNullable<FailoverView['propagation']>[number];

/** Asks each resolver for one name and type; one answer per resolver, in order. */
export type ResolverQuery = (
  resolvers: readonly string[],
  name: string,
  type: RecordType,
  timeoutMs: number,
  signal: AbortSignal,
) => Promise<DnsResolverAnswer[]>;

/** The DNS check's own probe, so propagation is seen exactly as the board's DNS checks see it. */
export const dnsCheckQuery: ResolverQuery = async (resolvers, name, type, timeoutMs, signal) => {
  const check: Extract<ResolvedCheck, { type: 'dns' }> = {
    id: 'failover-propagation',
    type: 'dns',
    name,
    query_name: name,
    record_type: type as Extract<ResolvedCheck, { type: 'dns' }>['record_type'],
    resolvers: [...resolvers],
    tcp_fallback: true,
    expect: { rcode: 'NOERROR', agree: false },
    intervalMs: timeoutMs,
    timeoutMs,
    fall: 1,
    rise: 1,
    degradedLatencyMs: null,
    fastIntervalMs: null,
    vantageIds: ['local'],
    quorumRule: 'majority',
    missingVantage: 'abstain',
  };
  const result = await dnsProbe(check, signal);
  return result.dns ?? [];
};

export interface PropagationOptions {
  resolvers: readonly string[];
  record: { name: string; type: 'A' | 'AAAA' | 'CNAME' };
  value: string;
  /** The TTL the old value was served with: caches may keep it this long. */
  oldTtlMs: number;
  /** Hard upper bound, whatever the TTL. */
  timeoutMs: number;
  intervalMs: number;
  query: ResolverQuery;
  now: () => number;
  /** Called after every round with each resolver's state. */
  onRound: (rows: PropagationRow[], round: number) => void;
  signal: AbortSignal;
}

export interface PropagationOutcome {
  converged: boolean;
  rows: PropagationRow[];
  rounds: number;
  elapsedMs: number;
  /** Why following stopped. */
  end: 'converged' | 'ttl_expired' | 'timeout' | 'aborted';
}

export async function followPropagation(options: PropagationOptions): Promise<PropagationOutcome> {
  const start = options.now();
  const want = expectedText(options.record.type, options.value);
  // One interval of grace: a resolver asked just before its cache expired answers old, correctly.
  const ttlEnd = start + options.oldTtlMs + options.intervalMs;
  const hardEnd = start + options.timeoutMs;
  const queryTimeout = Math.max(100, Math.min(2_000, options.intervalMs));
  for (let round = 1; ; round++) {
    const answers = await options.query(
      options.resolvers,
      options.record.name,
      options.record.type,
      queryTimeout,
      options.signal,
    );
    const rows: PropagationRow[] = options.resolvers.map((resolver, i) => {
      const a = answers[i];
      const values = a?.answers ?? [];
      return {
        resolver,
        answers: values,
        ttl: a?.ttl ?? null,
        converged: values.length === 1 && values[0] === want,
      };
    });
    options.onRound(rows, round);
    const now = options.now();
    const base = { rows, rounds: round, elapsedMs: now - start };
    if (rows.every((r) => r.converged)) return { ...base, converged: true, end: 'converged' };
    if (options.signal.aborted) return { ...base, converged: false, end: 'aborted' };
    if (now >= ttlEnd) return { ...base, converged: false, end: 'ttl_expired' };
    if (now >= hardEnd) return { ...base, converged: false, end: 'timeout' };
    await pause(Math.min(options.intervalMs, Math.max(0, Math.min(ttlEnd, hardEnd) - now)), options.signal);
  }
}
