/** Display formats shared by the views: one place, so every view says times the same way. */
import type { CheckView, VantageView } from '../../shared/model.ts';

export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** One unit and precision for a whole axis, from its top: never "800 ms" beside "1.20 s". */
export function formatAxisLatency(v: number, top: number): string {
  if (top >= 2_000) return `${(v / 1000).toFixed(top >= 20_000 ? 0 : 1)} s`;
  return top >= 20 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
}

/** A check's latest latency, or what failed: a refused connection has no latency worth reading. */
export function formatLastLatency(check: Pick<CheckView, 'status' | 'latencyMs' | 'errorClass'>): string {
  return check.status === 'down' ? (check.errorClass ?? 'failing') : formatLatency(check.latencyMs);
}

/** A duration such as MTTR: "42s", "3m 05s", "2h 10m". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 0) ms = 0;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** A wall-clock time in the board's time zone (the zone the NOC works in, not the browser's). */
export function formatTime(at: number, timezone: string, withDate = false): string {
  const key = `${timezone}|${withDate}`;
  let format = timeFormats.get(key);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone: timezone,
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hour12: false,
        ...(withDate ? { day: '2-digit', month: 'short' } : {}),
      });
    } catch {
      format = new Intl.DateTimeFormat('en-GB', { hour12: false, timeStyle: 'medium' });
    }
    timeFormats.set(key, format);
  }
  return format.format(at);
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  const pct = ratio * 100;
  return `${pct >= 99.995 ? '100' : pct.toFixed(pct >= 99 ? 2 : 1)}%`;
}

/** Sort keys by name: digit runs padded so they compare as numbers; bounded, since names are few. */
const naturalKeys = new Map<string, string>();
const MAX_KEYS = 50_000;

/** A name's sort key: names compare as people count when their keys compare as plain strings. */
export function naturalKey(name: string): string {
  let key = naturalKeys.get(name);
  if (key === undefined) {
    key = name.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(12, '0'));
    if (naturalKeys.size >= MAX_KEYS) naturalKeys.clear();
    naturalKeys.set(name, key);
  }
  return key;
}

/**
 * Names as people count: "node 3" before "node 27". Keys are cached and compared as plain
 * strings: the grid sorts thousands of names on every delta, and an Intl.Collator with numeric
 * ordering is several times slower than that.
 */
export function naturalCompare(a: string, b: string): number {
  const ka = naturalKey(a);
  const kb = naturalKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * A vantage's name as the board's list of vantages gives it, else its id. `undefined` is this
 * machine (a result probed here carries no vantage).
 */
export function vantageName(vantages: readonly VantageView[] | undefined, id: string | undefined): string {
  const views = vantages ?? [];
  const view = id === undefined ? views.find((v) => (v.kind ?? 'local') === 'local') : views.find((v) => v.id === id);
  return view?.name ?? id ?? 'this machine';
}
