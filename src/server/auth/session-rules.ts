/**
 * When a session ends, as functions of (session, now) so tests are exact: idle timeout (no
 * request for that long) and absolute timeout (that long after signing in, however busy). A
 * kiosk session (a wall's link) has no idle or absolute end: it ends when its link is revoked.
 */
export interface SessionTimes {
  createdAt: number;
  lastSeenAt: number;
  /** Kiosk sessions live as long as their link. */
  kiosk: boolean;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

export type SessionVerdict = 'live' | 'idle' | 'expired';

export function sessionVerdict(s: SessionTimes, now: number, t: SessionTimeouts): SessionVerdict {
  if (s.kiosk) return 'live';
  if (now >= s.createdAt + t.absoluteMs) return 'expired';
  if (now >= s.lastSeenAt + t.idleMs) return 'idle';
  return 'live';
}

/**
 * Touching a session on every request would write to the database on every request: it is
 * written when a minute has passed, which the idle timeout (minutes) cannot notice.
 */
export const TOUCH_EVERY_MS = 60_000;

export function needsTouch(s: SessionTimes, now: number): boolean {
  return now - s.lastSeenAt >= TOUCH_EVERY_MS;
}
