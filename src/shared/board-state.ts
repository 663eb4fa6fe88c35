import { applyCheckPatch } from './check-patch.ts';
import type { BoardSnapshot, CheckView, IncidentView } from './model.ts';
import { PROTOCOL_VERSION, type BoardMessage } from './protocol.ts';

type Delta = Extract<BoardMessage, { kind: 'delta' }>;
type Snapshot = Extract<BoardMessage, { kind: 'snapshot' }>;
/** A board without its checks: what a delta changes beside them. */
type BoardParts = Omit<BoardSnapshot, 'checks'>;

/**
 * Applies one board message to a snapshot, returning a new snapshot (never mutating). The
 * renderer's reducer; hosts keep their board in a `LiveBoard`. A delta's checks cost O(changed)
 * (plus one copy of the array's pointers): no Map or Set of every check is built per delta.
 */
export function applyBoardMessage(board: BoardSnapshot | null, message: BoardMessage): BoardSnapshot | null {
  switch (message.kind) {
    case 'snapshot':
      return message.snapshot;
    case 'config':
      return board && { ...board, config: message.config };
    case 'notice':
      return board;
    case 'delta':
      if (!board) return board;
      return { ...applyBoardParts(board, message), checks: applyCheckDelta(board.checks, message) };
  }
}

/** Everything a delta changes but the checks (the engine keeps its board as sent with it too). */
export function applyBoardParts<B extends BoardParts>(
  board: B,
  message: Pick<Delta, 'at' | 'components' | 'incidents' | 'failovers' | 'vantage' | 'vantages'>,
): B {
  return {
    ...board,
    generatedAt: message.at,
    components: message.components ? mergeById(board.components, message.components) : board.components,
    incidents: message.incidents ? mergeIncidents(board.incidents, message.incidents) : board.incidents,
    failovers: message.failovers ? mergeById(board.failovers, message.failovers, 'policyId') : board.failovers,
    vantage: message.vantage ?? board.vantage,
    ...(message.vantages ? { vantages: message.vantages } : {}),
  };
}

/**
 * Whether a message follows the last one applied (`seq` is that message's number): a snapshot
 * always does; anything else must be the very next, or the receiver has missed one and needs a
 * snapshot (a patch applies only to the view it was made against).
 */
export function followsOn(seq: number | null, message: BoardMessage): boolean {
  return message.kind === 'snapshot' || (seq !== null && message.seq === seq + 1);
}

const indexes = new WeakMap<readonly CheckView[], Map<string, number>>();

/** Each check's position in the array, made once per array and carried to the next while ids stay put. */
function indexOf(checks: readonly CheckView[]): Map<string, number> {
  let index = indexes.get(checks);
  if (!index) {
    index = new Map(checks.map((c, i) => [c.id, i]));
    indexes.set(checks, index);
  }
  return index;
}

/**
 * The position index an array of checks already has, if any: two arrays with the same index
 * hold the same ids at the same positions (it is carried from array to array only then), so
 * what was worked out from one array's positions holds for the other.
 */
export function knownPositions(checks: readonly CheckView[]): ReadonlyMap<string, number> | undefined {
  return indexes.get(checks);
}

/** One check by id, in constant time (what a tile selects from the store four times a second). */
export function checkById(checks: readonly CheckView[], id: string): CheckView | undefined {
  const i = indexOf(checks).get(id);
  return i === undefined ? undefined : checks[i];
}

/**
 * The checks part of a delta on an array of checks: new checks appended (or replacing one of
 * the same id), patches applied to theirs, removed ones dropped; a new array unless
 * nothing changed. The position index carries over to the new array while ids stay put.
 */
export function applyCheckDelta(
  current: CheckView[],
  delta: Pick<Delta, 'checks' | 'patches' | 'removed'>,
): CheckView[] {
  const { checks: added, patches, removed } = delta;
  if (added.length === 0 && patches.length === 0 && removed.length === 0) return current;
  const index = indexOf(current);
  let next = current.slice();
  // Patches first, while positions are the index's: they are for checks the receiver has.
  for (const patch of patches) {
    const i = index.get(patch.id);
    // A patch for a check this board never had cannot be applied: followsOn keeps that from
    // happening (a missed message means a snapshot first).
    if (i !== undefined) next[i] = applyCheckPatch(next[i]!, patch);
  }
  let reordered = false;
  for (const check of added) {
    const i = index.get(check.id);
    if (i === undefined) {
      next.push(check);
      reordered = true;
    } else next[i] = check;
  }
  if (removed.length > 0) {
    const gone = new Set(removed);
    next = next.filter((c) => !gone.has(c.id));
    reordered = true;
  }
  if (!reordered) indexes.set(next, index);
  return next;
}

/**
 * The latest board as a host keeps it: checks in a Map by id, so a delta costs O(changed), and
 * the snapshot materialised only when asked (a client joining, /api/snapshot, /metrics), then
 * kept until the next change.
 */
export class LiveBoard {
  private parts: BoardParts | null = null;
  private readonly checks = new Map<string, CheckView>();
  private materialised: BoardSnapshot | null = null;
  private lastSeq = 0;

  apply(message: BoardMessage): void {
    this.lastSeq = message.seq;
    switch (message.kind) {
      case 'snapshot': {
        const { checks, ...parts } = message.snapshot;
        this.parts = parts;
        this.checks.clear();
        for (const check of checks) this.checks.set(check.id, check);
        this.materialised = message.snapshot;
        return;
      }
      case 'config':
        if (!this.parts) return;
        this.parts = { ...this.parts, config: message.config };
        this.materialised = null;
        return;
      case 'notice':
        return;
      case 'delta': {
        if (!this.parts) return;
        this.parts = applyBoardParts(this.parts, message);
        for (const check of message.checks) this.checks.set(check.id, check);
        for (const patch of message.patches) {
          const view = this.checks.get(patch.id);
          if (view) this.checks.set(patch.id, applyCheckPatch(view, patch));
        }
        for (const id of message.removed) this.checks.delete(id);
        this.materialised = null;
      }
    }
  }

  /** The latest board, or null before the first snapshot. */
  current(): BoardSnapshot | null {
    if (!this.parts) return null;
    this.materialised ??= { ...this.parts, checks: [...this.checks.values()] };
    return this.materialised;
  }

  /** Whether a snapshot has arrived. */
  started(): boolean {
    return this.parts !== null;
  }

  /** The seq of the last message applied. */
  seq(): number {
    return this.lastSeq;
  }

  /** The board as a snapshot message numbered as the last message applied: what follows it is seq + 1. */
  snapshotMessage(): Snapshot | null {
    const snapshot = this.current();
    return snapshot && { v: PROTOCOL_VERSION, seq: this.lastSeq, kind: 'snapshot', snapshot };
  }
}

function mergeById<T, K extends keyof T>(current: T[], changed: T[], key: K = 'id' as K): T[] {
  const byKey = new Map(changed.map((item) => [item[key], item]));
  const merged = current.map((item) => byKey.get(item[key]) ?? item);
  const known = new Set(current.map((item) => item[key]));
  for (const item of changed) if (!known.has(item[key])) merged.push(item);
  return merged;
}

/** Resolved incidents kept on the board, newest first; open ones are never dropped. */
export const MAX_BOARD_INCIDENTS = 50;

function mergeIncidents(current: IncidentView[], changed: IncidentView[]): IncidentView[] {
  const merged = mergeById(current, changed).sort((a, b) => b.openedAt - a.openedAt);
  const open = merged.filter((i) => i.state === 'open');
  const resolved = merged.filter((i) => i.state !== 'open').slice(0, MAX_BOARD_INCIDENTS);
  return [...open, ...resolved].sort((a, b) => b.openedAt - a.openedAt);
}
