import type { CheckView, ComponentView, ProbeResult } from '../../shared/model.ts';

/** Lag as people read it: seconds, then bytes (MiB when large). */
export function lagText(seconds: number | null, bytes: number | null): string {
  const parts: string[] = [];
  if (seconds !== null) parts.push(seconds < 10 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`);
  if (bytes !== null) parts.push(bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} B`);
  return parts.join(' · ') || '—';
}

/** Rising, falling or steady, from the oldest to the newest of the recent lags (seconds first, else bytes). */
export function lagTrend(results: ProbeResult[]): string {
  const lags = results
    .map((r) => r.replication?.lagSeconds ?? r.replication?.lagBytes ?? null)
    .filter((v): v is number => v !== null);
  if (lags.length < 2) return '';
  const newest = lags[0]!;
  const oldest = lags[lags.length - 1]!;
  if (newest > oldest) return ' ↑ rising';
  if (newest < oldest) return ' ↓ falling';
  return ' → steady';
}

type LinkCheck = Pick<CheckView, 'type' | 'errorClass' | 'details'>;

/**
 * What a replication link on the map says: the lag of the replica (in the dependent component)
 * that replicates from the component it depends on, the worst one when there are several, or
 * "stopped" when replication no longer runs. Null for a link that is not replication.
 */
export function replicationLinkLabel(
  dependent: Pick<ComponentView, 'checks'>,
  dependency: Pick<ComponentView, 'checks'>,
  checks: ReadonlyMap<string, LinkCheck>,
): string | null {
  const primaryTypes = new Set(dependency.checks.map((id) => checks.get(id)?.type));
  const replicas = dependent.checks
    .map((id) => checks.get(id))
    .filter((c): c is LinkCheck => c?.details?.replication?.role === 'replica' && primaryTypes.has(c.type));
  if (replicas.length === 0) return null;
  if (replicas.some((c) => c.errorClass === 'replication_stopped')) return 'replication stopped';
  const lag = (c: LinkCheck) => c.details?.replication?.lagSeconds ?? -1;
  const worst = replicas.reduce((a, b) => (lag(b) > lag(a) ? b : a));
  const r = worst.details!.replication!;
  return `lag ${lagText(r.lagSeconds, r.lagBytes)}`;
}
