import { addBeats } from './beats.ts';
import type { CheckView } from './model.ts';
import type { CheckPatch, OptionalCheckField } from './protocol.ts';

/**
 * A check's patch: what changed between the view last sent for it and its view now, so a delta
 * carries a probe's few new fields rather than the whole view (details, headers, vantages...).
 *
 * Cheap by construction: each field is compared by identity, and an object or array field by
 * its members, two levels deep at most, identity below that (the engine makes a new view object
 * on every change but keeps the values it did not change), never a deep-equal of everything. Generic over the fields: one added to
 * CheckView later is patched like the others. Views are never mutated in place, so the view last
 * sent is kept by reference.
 */
export function diffCheck(before: CheckView, after: CheckView): CheckPatch | null {
  if (before === after) return null;
  const was = before as unknown as Record<string, unknown>;
  const now = after as unknown as Record<string, unknown>;
  let set: Record<string, unknown> | undefined;
  let unset: OptionalCheckField[] | undefined;
  let items: Record<string, Record<number, unknown>> | undefined;
  let itemFields: Record<string, Record<number, Record<string, unknown>>> | undefined;
  let beatsAdded: string | undefined;
  for (const key in now) {
    const value = now[key];
    if (value === undefined) continue;
    const old = was[key];
    if (sameValue(old, value)) continue;
    const members = changedMembers(old, value);
    if (members) {
      if (members.whole) (items ??= {})[key] = members.whole;
      if (members.fields) (itemFields ??= {})[key] = members.fields;
      continue;
    }
    if (key === 'beats') {
      const added = appendedBeats(old as string | undefined, value as string);
      if (added !== null) {
        beatsAdded = added;
        continue;
      }
    }
    (set ??= {})[key] = value;
  }
  for (const key in was) {
    if (was[key] !== undefined && now[key] === undefined) (unset ??= []).push(key as OptionalCheckField);
  }
  if (!set && !unset && !items && !itemFields && beatsAdded === undefined) return null;
  return {
    id: after.id,
    ...(set ? { set: set as CheckPatch['set'] } : {}),
    ...(unset ? { unset } : {}),
    ...(items ? { items } : {}),
    ...(itemFields ? { itemFields } : {}),
    ...(beatsAdded !== undefined ? { beatsAdded } : {}),
  };
}

/**
 * The view with a patch applied: a new object, the old one untouched. Throws when the patch
 * does not fit the view (`items` for a field that is no list here).
 */
export function applyCheckPatch(view: CheckView, patch: CheckPatch): CheckView {
  const next = { ...view, ...patch.set } as CheckView & Record<string, unknown>;
  if (patch.unset) for (const key of patch.unset) delete next[key];
  // Each list is copied once, then its members replaced (`items`) or merged into (`itemFields`).
  const copied = new Set<string>();
  const listOf = (key: string): unknown[] => {
    const current = next[key];
    // A patch made against another view (the receiver out of step): the caller takes a snapshot.
    if (!Array.isArray(current)) throw new TypeError(`patch for ${view.id}: ${key} is not a list here`);
    if (copied.has(key)) return current;
    copied.add(key);
    return (next[key] = current.slice());
  };
  if (patch.items) {
    for (const [key, members] of Object.entries(patch.items)) {
      const array = listOf(key);
      for (const [i, member] of Object.entries(members!)) array[Number(i)] = member;
    }
  }
  if (patch.itemFields) {
    for (const [key, members] of Object.entries(patch.itemFields)) {
      const array = listOf(key);
      for (const [i, fields] of Object.entries(members!)) {
        const member = array[Number(i)];
        if (typeof member !== 'object' || member === null || Array.isArray(member)) {
          throw new TypeError(`patch for ${view.id}: ${key}[${i}] is not an object here`);
        }
        array[Number(i)] = { ...member, ...fields };
      }
    }
  }
  if (patch.beatsAdded !== undefined) next.beats = addBeats(view.beats, patch.beatsAdded);
  return next;
}

/**
 * For two arrays of the same length, what changed member by member (one vantage's view in the
 * matrix): for a member that is an object before and after with no field gone, the fields that
 * changed (`fields`, merged over the member by the receiver: a probe's new time and latency, not
 * the whole view); any other changed member whole (`whole`). Null for arrays of another length,
 * or when every member changed and none could go as fields (the array is sent whole).
 */
function changedMembers(
  before: unknown,
  after: unknown,
): { whole?: Record<number, unknown>; fields?: Record<number, Record<string, unknown>> } | null {
  if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length) return null;
  let whole: Record<number, unknown> | undefined;
  let fields: Record<number, Record<string, unknown>> | undefined;
  let wholeCount = 0;
  for (let i = 0; i < after.length; i++) {
    const was = before[i] as unknown;
    const now = after[i] as unknown;
    if (sameValue(was, now, 1)) continue;
    const changed = changedFields(was, now);
    if (changed) {
      (fields ??= {})[i] = changed;
      continue;
    }
    (whole ??= {})[i] = now;
    wholeCount++;
  }
  if (wholeCount === after.length && after.length > 0) return null;
  return { ...(whole ? { whole } : {}), ...(fields ? { fields } : {}) };
}

/** The fields of `after` that differ (by identity) from `before`'s, when both are plain objects and none of `before`'s fields is gone; null otherwise. */
function changedFields(before: unknown, after: unknown): Record<string, unknown> | null {
  if (!isPlainObject(before) || !isPlainObject(after)) return null;
  for (const key in before) if (before[key] !== undefined && after[key] === undefined) return null;
  let changed: Record<string, unknown> | null = null;
  for (const key in after) {
    const value = after[key];
    if (value !== undefined && value !== before[key]) (changed ??= {})[key] = value;
  }
  return changed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Letters appended between two strips at most: past that the strip is sent whole. */
const MAX_APPENDED = 4;

/** The letters that turn `before` into `after` by appending, or null when that is not how it changed. */
function appendedBeats(before: string | undefined, after: string): string | null {
  for (let n = 1; n <= Math.min(MAX_APPENDED, after.length); n++) {
    const added = after.slice(after.length - n);
    if (addBeats(before, added) === after) return added;
  }
  return null;
}

/**
 * Identity, or for objects and arrays the same members, compared the same way down to `depth`
 * levels (a quorum's new `failing` array with the same ids is the same quorum); identity below.
 */
function sameValue(a: unknown, b: unknown, depth = 2): boolean {
  if (a === b) return true;
  if (depth === 0 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i], depth - 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const key in x) {
    if (!sameValue(x[key], y[key], depth - 1)) return false;
    count++;
  }
  for (const _ in y) count--;
  return count === 0;
}
