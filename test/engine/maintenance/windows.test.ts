import { describe, expect, it } from 'vitest';
import { maintenanceWindowSchema } from '../../../src/shared/config/maintenance.ts';
import { activeSpan, nextChange } from '../../../src/engine/maintenance/windows.ts';
import { zonedToUtc } from '../../../src/shared/zoned-time.ts';

const window = (input: object) => maintenanceWindowSchema.parse({ id: 'w', checks: ['a'], ...input });
const at = (iso: string) => Date.parse(iso);

describe('maintenance windows', () => {
  it('holds a one-off window from its start (inclusive) to its end (exclusive)', () => {
    const w = window({ start: '2026-12-05T02:00:00Z', end: '2026-12-05T04:00:00Z' });
    expect(activeSpan(w, at('2026-12-05T01:59:59Z'))).toBeNull();
    expect(activeSpan(w, at('2026-12-05T02:00:00Z'))).toEqual({
      start: at('2026-12-05T02:00:00Z'),
      end: at('2026-12-05T04:00:00Z'),
    });
    expect(activeSpan(w, at('2026-12-05T04:00:00Z'))).toBeNull();
    expect(nextChange(w, at('2026-12-05T01:00:00Z'))).toBe(at('2026-12-05T02:00:00Z'));
    expect(nextChange(w, at('2026-12-05T04:00:00Z'))).toBeNull();
  });

  it('runs a daily window across midnight', () => {
    const w = window({ every: { at: '23:30', for: '2h' } });
    expect(activeSpan(w, at('2026-12-06T00:30:00Z'))?.start).toBe(at('2026-12-05T23:30:00Z'));
    expect(activeSpan(w, at('2026-12-06T01:30:00Z'))).toBeNull();
    expect(nextChange(w, at('2026-12-06T01:30:00Z'))).toBe(at('2026-12-06T23:30:00Z'));
    expect(nextChange(w, at('2026-12-06T00:00:00Z'))).toBe(at('2026-12-06T01:30:00Z'));
  });

  it('counts a weekly window by the day it starts on, even after midnight', () => {
    // Saturdays 23:00 for 3 h: early Sunday is inside it, early Saturday (from a Friday) is not.
    const w = window({ every: { days: ['sat'], at: '23:00', for: '3h' } });
    expect(activeSpan(w, at('2026-12-06T01:00:00Z'))).not.toBeNull(); // Sunday
    expect(activeSpan(w, at('2026-12-05T01:00:00Z'))).toBeNull(); // Saturday
    expect(nextChange(w, at('2026-12-01T12:00:00Z'))).toBe(at('2026-12-02T12:00:00Z')); // looks again a day on
  });

  it('follows the named zone through daylight saving (Europe/London)', () => {
    const w = window({ every: { at: '03:00', for: '1h', timezone: 'Europe/London' } });
    // GMT before the change on 29 March 2026, BST after it.
    expect(activeSpan(w, at('2026-03-28T03:30:00Z'))?.start).toBe(at('2026-03-28T03:00:00Z'));
    expect(activeSpan(w, at('2026-03-29T02:30:00Z'))?.start).toBe(at('2026-03-29T02:00:00Z'));
    expect(activeSpan(w, at('2026-03-29T03:30:00Z'))).toBeNull();
    // Back to GMT on 25 October.
    expect(activeSpan(w, at('2026-10-25T03:30:00Z'))?.start).toBe(at('2026-10-25T03:00:00Z'));
  });

  it('reads a skipped local time just after the gap, and a repeated one as its first occurrence', () => {
    // 01:30 does not exist in London on 29 March 2026 (01:00 GMT becomes 02:00 BST).
    expect(zonedToUtc(2026, 2, 29, 1, 30, 'Europe/London')).toBe(at('2026-03-29T01:30:00Z'));
    // 01:30 happens twice on 25 October 2026: first in BST.
    expect(zonedToUtc(2026, 9, 25, 1, 30, 'Europe/London')).toBe(at('2026-10-25T00:30:00Z'));
    expect(zonedToUtc(2026, 0, 15, 9, 0, 'America/New_York')).toBe(at('2026-01-15T14:00:00Z'));
    expect(zonedToUtc(2026, 6, 15, 9, 0, 'America/New_York')).toBe(at('2026-07-15T13:00:00Z'));
  });

  it('ends one occurrence of a recurring window early and keeps the rest of its schedule', () => {
    const w = window({
      every: { at: '23:30', for: '2h' },
      ended: [{ occurrence: '2026-12-05T23:30:00Z', at: '2026-12-06T00:10:00Z' }],
    });
    expect(activeSpan(w, at('2026-12-06T00:09:59Z'))).toEqual({
      start: at('2026-12-05T23:30:00Z'),
      end: at('2026-12-06T00:10:00Z'),
    });
    expect(activeSpan(w, at('2026-12-06T00:10:00Z'))).toBeNull();
    // The engine re-reads the schedule at the early end, then at the next night's start.
    expect(nextChange(w, at('2026-12-06T00:00:00Z'))).toBe(at('2026-12-06T00:10:00Z'));
    expect(nextChange(w, at('2026-12-06T00:10:00Z'))).toBe(at('2026-12-06T23:30:00Z'));
    // The next night runs its full length; the night before was untouched.
    expect(activeSpan(w, at('2026-12-07T01:00:00Z'))?.end).toBe(at('2026-12-07T01:30:00Z'));
    expect(activeSpan(w, at('2026-12-05T01:00:00Z'))?.end).toBe(at('2026-12-05T01:30:00Z'));
    // An entry that names no occurrence's start changes nothing.
    const stray = window({
      every: { at: '23:30', for: '2h' },
      ended: [{ occurrence: '2026-12-05T23:31:00Z', at: '2026-12-06T00:10:00Z' }],
    });
    expect(activeSpan(stray, at('2026-12-06T01:00:00Z'))?.end).toBe(at('2026-12-06T01:30:00Z'));
  });

  it('refuses ended occurrences on a one-off window, or ended before they start', () => {
    const oneOff = maintenanceWindowSchema.safeParse({
      id: 'w',
      checks: ['a'],
      start: '2026-12-05T02:00:00Z',
      end: '2026-12-05T04:00:00Z',
      ended: [{ occurrence: '2026-12-05T02:00:00Z', at: '2026-12-05T03:00:00Z' }],
    });
    expect(oneOff.error?.issues).toMatchObject([{ path: ['ended'], message: expect.stringContaining('recurring') }]);
    const backwards = maintenanceWindowSchema.safeParse({
      id: 'w',
      checks: ['a'],
      every: { at: '02:00', for: '1h' },
      ended: [{ occurrence: '2026-12-05T02:00:00Z', at: '2026-12-05T02:00:00Z' }],
    });
    expect(backwards.error?.issues).toMatchObject([
      { path: ['ended', 0, 'at'], message: 'expected at after the occurrence start' },
    ]);
    const zoneless = maintenanceWindowSchema.safeParse({
      id: 'w',
      checks: ['a'],
      every: { at: '02:00', for: '1h' },
      ended: [{ occurrence: '2026-12-05T02:00:00', at: '2026-12-05T02:30:00Z' }],
    });
    expect(zoneless.error?.issues[0]?.path).toEqual(['ended', 0, 'occurrence']);
  });

  it('refuses a window that is neither one-off nor recurring, or ends before it starts', () => {
    expect(maintenanceWindowSchema.safeParse({ id: 'w', checks: ['a'] }).success).toBe(false);
    const backwards = maintenanceWindowSchema.safeParse({
      id: 'w',
      checks: ['a'],
      start: '2026-12-05T04:00:00Z',
      end: '2026-12-05T02:00:00Z',
    });
    expect(backwards.error?.issues[0]).toMatchObject({ path: ['end'], message: 'expected end after start' });
    expect(maintenanceWindowSchema.safeParse({ id: 'w', checks: ['a'], start: '2026-12-05 02:00' }).success).toBe(
      false,
    );
    expect(
      maintenanceWindowSchema.safeParse({ id: 'w', checks: ['a'], every: { at: '25:00', for: '1h' } }).success,
    ).toBe(false);
  });
});
