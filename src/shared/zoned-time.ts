/**
 * Wall-clock time in a named zone, both ways, with nothing but Intl: the engine's maintenance
 * windows (a recurring window's local start) and the board's maintenance form (times entered and
 * shown in the board's time zone, written to the file with that zone's offset).
 */

const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(at: number, timezone: string): number {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, Number(p.value)]));
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant of a local wall-clock time in a zone. A time the clocks skip (the spring-forward
 * hour) is read with the offset from before the change, so it lands just after the gap; a time
 * that happens twice (the autumn hour) is its first occurrence.
 */
export function zonedToUtc(y: number, m: number, d: number, hh: number, mm: number, timezone: string): number {
  const local = Date.UTC(y, m, d, hh, mm);
  const before = offsetAt(local - DAY / 2, timezone);
  const after = offsetAt(local + DAY / 2, timezone);
  const first = local - Math.max(before, after);
  if (offsetAt(first, timezone) === Math.max(before, after)) return first;
  return local - Math.min(before, after);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-12-05T02:00": an instant as a local time in the zone, to the minute. */
export function localMinute(at: number, timezone: string): string {
  return new Date(at + offsetAt(at, timezone)).toISOString().slice(0, 16);
}

/**
 * "2026-12-05T10:00:00+08:00": an instant written with the zone's offset at that instant (to the
 * second), so a person reading the file sees the time they know; the same instant as `Z` would be.
 */
export function isoInZone(at: number, timezone: string): string {
  const whole = Math.floor(at / 1000) * 1000;
  const offset = offsetAt(whole, timezone);
  const local = new Date(whole + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const minutes = Math.abs(offset) / 60_000;
  return `${local}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The instant of "2026-12-05T02:00" (or "2026-12-05 02:00") as a local time in the zone; null when it is not one. */
export function parseLocalMinute(text: string, timezone: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, hh, mm] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59) return null;
  // 31 February would roll into March: refused rather than guessed.
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return null;
  return zonedToUtc(y, mo - 1, d, hh, mm, timezone);
}
