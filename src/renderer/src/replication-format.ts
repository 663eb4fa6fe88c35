import type { ProbeResult } from '../../shared/model.ts';

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
