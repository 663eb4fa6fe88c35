/**
 * The board's maintenance quick actions as ordinary edits: "Start maintenance now" becomes the
 * addition of a one-off window, "End now" the change of its `end` (of a recurring window: an entry
 * in its `ended` list for the occurrence in force, so the schedule stays), both timed by the engine's
 * clock (a kiosk's clock may be wrong) and written in the board's time zone. Also each window's
 * state (in force, next) for the board. Pure: text and time in, edit out.
 */
import type { Actor } from '../../shared/actor.ts';
import type { Config } from '../../shared/config/schema.ts';
import {
  SECTION_NOUN,
  type ConfigEdit,
  type EditableItem,
  type MaintenanceWindowState,
} from '../../shared/config-edit.ts';
import { isoInZone, localMinute } from '../../shared/zoned-time.ts';
import { windowsWithChecks } from '../maintenance/schedule.ts';
import { activeSpan, nextChange, type Span } from '../maintenance/windows.ts';

type QuickEdit = Extract<ConfigEdit, { op: 'start-maintenance' | 'end-maintenance' }>;
export type PlainEdit = Exclude<ConfigEdit, QuickEdit>;

export interface Resolved {
  edit: PlainEdit;
  /** Said after the edit's own summary ("added maintenance window …"). */
  note: string;
}

/** What the quick action needs to know of the file: its items as written, and the config when it is valid. */
export interface FileView {
  maintenance: EditableItem[];
  checks: EditableItem[];
  components: EditableItem[];
  /** The board's time zone (a valid one). */
  timezone: string;
  /** The parsed config, when it is valid (needed to end a window). */
  config: Config | null;
}

const MINUTE = 60_000;
/** How long an early end of a recurring window's occurrence stays in the file as a record. */
const KEEP_ENDED = 30 * 86_400_000;
/** Window ids are config ids: 64 characters at most. */
const MAX_ID = 64;

export function isQuickEdit(edit: ConfigEdit): edit is QuickEdit {
  return edit.op === 'start-maintenance' || edit.op === 'end-maintenance';
}

/** The quick action as an add or replace of a window; a message when it cannot be done. */
export function resolveQuickEdit(edit: QuickEdit, file: FileView, now: number, actor: Actor): Resolved | string {
  const { timezone } = file;
  const at = (t: number) => `${localMinute(t, timezone).replace('T', ' ')} ${timezone}`;
  if (edit.op === 'start-maintenance') {
    const noun = SECTION_NOUN[edit.target];
    if (!file[edit.target].some((item) => item.id === edit.id)) return `there is no ${noun} "${edit.id}" in the file`;
    const start = Math.floor(now / 1000) * 1000;
    const end = start + edit.minutes * MINUTE;
    const stamp = localMinute(start, timezone).replace(/[-:]/g, '').replace('T', '-');
    const base = `${edit.id.slice(0, MAX_ID - stamp.length - 3)}-${stamp}`;
    const taken = new Set(file.maintenance.map((w) => w.id));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    return {
      edit: {
        op: 'add',
        section: 'maintenance',
        item: {
          id,
          name: `Started from the board by ${actor.name}`,
          [edit.target]: [edit.id],
          start: isoInZone(start, timezone),
          end: isoInZone(end, timezone),
        },
      },
      note: ` on ${noun} "${edit.id}" until ${at(end)}`,
    };
  }
  const written = file.maintenance.find((w) => w.id === edit.id);
  if (!written) return `there is no maintenance window "${edit.id}" in the file`;
  const window = file.config?.maintenance.find((w) => w.id === edit.id);
  if (!window) return `maintenance window "${edit.id}" cannot be ended while the file does not pass the schema`;
  const span = activeSpan(window, now);
  if (!span) return `maintenance window "${edit.id}" is not in force now: there is nothing to end`;
  // Written to the second; a window started within this second ends at the next (the schema wants end after start).
  const end = Math.max(Math.floor(now / 1000) * 1000, span.start + 1000);
  if (window.every) {
    // This occurrence only: the schedule stays. Entries for occurrences long over are dropped.
    const kept = window.ended.filter((e) => e.occurrence !== span.start && e.at > now - KEEP_ENDED);
    const ended = [...kept, { occurrence: span.start, at: end }].map((e) => ({
      occurrence: isoInZone(e.occurrence, timezone),
      at: isoInZone(e.at, timezone),
    }));
    return {
      edit: { op: 'replace', section: 'maintenance', id: edit.id, item: { ...written.item, ended } },
      note: ` (its occurrence from ${at(span.start)} ended at ${at(end)}; the schedule stays)`,
    };
  }
  return {
    edit: {
      op: 'replace',
      section: 'maintenance',
      id: edit.id,
      item: { ...written.item, end: isoInZone(end, timezone) },
    },
    note: ` (ended at ${at(end)}; the window stays in the file as a record)`,
  };
}

/** Occurrence starts looked at for a window's next one: a weekly window may need a week of days. */
const LOOKAHEAD = 16;

/** The occurrence of a window that starts next after `now` (not the one in force). */
function nextSpan(window: Config['maintenance'][number], now: number, active: Span | null): Span | null {
  let t: number | null = now;
  for (let i = 0; i < LOOKAHEAD && t !== null; i++) {
    t = nextChange(window, t);
    if (t === null) return null;
    const span = activeSpan(window, t);
    if (span && span.start === t && span.start !== active?.start) return span;
  }
  return null;
}

/** Each window's state at `now`, for the board's list and the check's detail. */
export function windowStates(config: Config | null, now: number): MaintenanceWindowState[] {
  if (!config) return [];
  return windowsWithChecks(config).map(({ window, checks }) => {
    const active = activeSpan(window, now);
    return {
      id: window.id,
      recurring: window.every !== undefined,
      active,
      next: nextSpan(window, now, active),
      checks: [...checks],
    };
  });
}
