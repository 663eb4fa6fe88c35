/**
 * The canary: a fresh token written on the primary, read back on the replica. The only proof
 * that replication really moves end to end (a replica can report zero lag while its link is
 * silently stalled).
 */
import { randomBytes } from 'node:crypto';
import { pause, type DataSession } from './data-session.ts';

/** How often the replica is read while the canary is on its way. */
const POLL_MS = 25;

export function canaryToken(): string {
  return `${Date.now()}-${randomBytes(6).toString('hex')}`;
}

/**
 * Writes `token` with `write`, then reads with `read` until it returns the token: the time from
 * the write's start, ms, or null when it did not arrive within `withinMs` (or the probe's time).
 */
export async function timeCanary(
  session: DataSession,
  withinMs: number,
  token: string,
  write: () => Promise<void>,
  read: () => Promise<string | null>,
): Promise<number | null> {
  const t0 = performance.now();
  await write();
  const until = Math.min(t0 + withinMs, session.deadline);
  // Bounded by the deadline: each turn waits POLL_MS at least, or ends the loop.
  while (!session.done) {
    if ((await read()) === token) return performance.now() - t0;
    if (performance.now() + POLL_MS > until) return null;
    await pause(session, POLL_MS);
  }
  return null;
}
