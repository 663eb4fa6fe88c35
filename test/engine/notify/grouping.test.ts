import { describe, expect, it } from 'vitest';
import { afterSend, decide, NEW_GROUP, type GroupIncident } from '../../../src/engine/notify/grouping.ts';

const timing = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 };
const options = { sendResolved: true, eligible: true };
const T0 = 1_000_000;
const open: GroupIncident = { state: 'open', openedAt: T0, severity: 'warning', silencedUntil: null };

describe('notification grouping (Alertmanager timing)', () => {
  it('waits group_wait before the first message', () => {
    expect(decide(NEW_GROUP, open, timing, options, T0)).toEqual({ send: null, nextAt: T0 + 30_000 });
    expect(decide(NEW_GROUP, open, timing, options, T0 + 30_000).send).toBe('firing');
  });

  it('repeats an unchanged open incident every repeat_interval', () => {
    const sent = afterSend(NEW_GROUP, open, 'firing', T0 + 30_000);
    expect(decide(sent, open, timing, options, T0 + 60_000)).toEqual({ send: null, nextAt: T0 + 30_000 + 14_400_000 });
    expect(decide(sent, open, timing, options, T0 + 30_000 + 14_400_000).send).toBe('firing');
  });

  it('tells about an escalation group_interval after the last message', () => {
    const sent = afterSend(NEW_GROUP, open, 'firing', T0 + 30_000);
    const escalated = { ...open, severity: 'critical' as const };
    expect(decide(sent, escalated, timing, options, T0 + 40_000).nextAt).toBe(T0 + 330_000);
    expect(decide(sent, escalated, timing, options, T0 + 330_000).send).toBe('firing');
  });

  it('sends one resolved message, and none for an incident nobody was told about', () => {
    const resolved = { ...open, state: 'resolved' as const };
    expect(decide(NEW_GROUP, resolved, timing, options, T0 + 60_000)).toEqual({ send: null, nextAt: null });
    const sent = afterSend(NEW_GROUP, open, 'firing', T0 + 30_000);
    expect(decide(sent, resolved, timing, options, T0 + 60_000).nextAt).toBe(T0 + 330_000);
    expect(decide(sent, resolved, timing, options, T0 + 330_000).send).toBe('resolved');
    const done = afterSend(sent, resolved, 'resolved', T0 + 330_000);
    expect(decide(done, resolved, timing, options, T0 + 999_999)).toEqual({ send: null, nextAt: null });
    expect(decide(sent, resolved, timing, { ...options, sendResolved: false }, T0 + 330_000).send).toBeNull();
  });

  it('holds messages while silenced, and skips receivers the severity does not reach', () => {
    const silenced = { ...open, silencedUntil: T0 + 3_600_000 };
    expect(decide(NEW_GROUP, silenced, timing, options, T0 + 60_000)).toEqual({ send: null, nextAt: T0 + 3_600_000 });
    expect(decide(NEW_GROUP, silenced, timing, options, T0 + 3_600_000).send).toBe('firing');
    expect(decide(NEW_GROUP, open, timing, { ...options, eligible: false }, T0 + 60_000)).toEqual({
      send: null,
      nextAt: null,
    });
  });
});
