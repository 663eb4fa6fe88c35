import type { Status } from '../../shared/model.ts';
import { naturalCompare } from './format.ts';

/**
 * Status colours from the Okabe-Ito palette (safe for the common colour-vision deficiencies),
 * always paired with a shape and a word so colour is never the only cue.
 */
export const STATUS_STYLE: Record<Status | 'stale', { label: string; glyph: string; className: string }> = {
  up: { label: 'UP', glyph: '●', className: 'st-up' },
  degraded: { label: 'DEGRADED', glyph: '▲', className: 'st-degraded' },
  down: { label: 'DOWN', glyph: '■', className: 'st-down' },
  unknown: { label: 'UNKNOWN', glyph: '?', className: 'st-unknown' },
  maintenance: { label: 'MAINT', glyph: '◆', className: 'st-maintenance' },
  stale: { label: 'STALE', glyph: '◌', className: 'st-stale' },
};

/** Worst first: the order the wall sorts by. */
export const STATUS_RANK: Record<Status, number> = { down: 0, degraded: 1, unknown: 2, maintenance: 3, up: 4 };

/**
 * Worst status first, then by name in natural order ("node 3" before "node 27"), never by a
 * latency or an age, which would reshuffle a list every few seconds.
 */
export function compareWorstFirst(a: { status: Status; name: string }, b: { status: Status; name: string }): number {
  return STATUS_RANK[a.status] - STATUS_RANK[b.status] || naturalCompare(a.name, b.name);
}

/** The worst of some statuses (what a region or a link shows); unknown when there are none. */
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status | null = null;
  for (const s of statuses) if (worst === null || STATUS_RANK[s] < STATUS_RANK[worst]) worst = s;
  return worst ?? 'unknown';
}
