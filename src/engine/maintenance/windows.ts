/**
 * When maintenance windows are in force: pure functions of (window, time), so the rules
 * (recurring across midnight, daylight-saving changes in a named zone) are tested exactly.
 */
import { WEEKDAYS, type MaintenanceWindow } from '../../shared/config/maintenance.ts';
import { offsetAt, zonedToUtc } from '../../shared/zoned-time.ts';

const DAY = 86_400_000;

export interface Span {
  start: number;
  end: number;
}

/** The local calendar date of an instant in a zone. */
function localDate(at: number, timezone: string): { y: number; m: number; d: number } {
  const shifted = new Date(at + offsetAt(at, timezone));
  return { y: shifted.getUTCFullYear(), m: shifted.getUTCMonth(), d: shifted.getUTCDate() };
}

/** The occurrences of a window that could cover `at`, or start soon after it. */
function occurrences(window: MaintenanceWindow, at: number): Span[] {
  if (!window.every) return [{ start: window.start!, end: window.end! }];
  const { days, at: hhmm, for: length, timezone } = window.every;
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const today = localDate(at, timezone);
  const spans: Span[] = [];
  // Back as far as the longest window reaches, forward one day for the next start.
  for (let k = -Math.ceil(length / DAY) - 1; k <= 1; k++) {
    const date = new Date(Date.UTC(today.y, today.m, today.d + k));
    if (days && !days.includes(WEEKDAYS[date.getUTCDay()]!)) continue;
    const start = zonedToUtc(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hh, mm, timezone);
    spans.push({ start, end: start + length });
  }
  // Occurrences ended early from the board end then; one ended at or before its start never was.
  if (window.ended.length === 0) return spans;
  const endedAt = new Map(window.ended.map((e) => [e.occurrence, e.at]));
  return spans.map((s) => ({ start: s.start, end: Math.min(s.end, endedAt.get(s.start) ?? s.end) }));
}

/** The occurrence in force at `at` (start inclusive, end exclusive), or null. */
export function activeSpan(window: MaintenanceWindow, at: number): Span | null {
  return occurrences(window, at).find((s) => s.start <= at && at < s.end) ?? null;
}

/** The next time after `at` when the window starts or ends; null when it never changes again. */
export function nextChange(window: MaintenanceWindow, at: number): number | null {
  let next: number | null = null;
  for (const s of occurrences(window, at)) {
    for (const t of [s.start, s.end]) if (t > at && (next === null || t < next)) next = t;
  }
  // A weekly window with no occurrence within the days looked at: look again a day later.
  return next ?? (window.every ? at + DAY : null);
}
