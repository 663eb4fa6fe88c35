/**
 * Editing the config file from the board (`config.document`, `config.edit`): the edit as the
 * board sends it and what the engine answers. The edited item is plain JSON as it is written in
 * the file (durations as "30s", before defaults); the engine validates the whole resulting file
 * with the config schema, so these schemas only bound the shape.
 */
import { z } from 'zod';
import type { ConfigIssue } from './model.ts';

/** The lists the board edits, and the field that names an item in each. */
export const EDITABLE_SECTIONS = ['checks', 'components', 'alerts', 'maintenance'] as const;
export type EditableSection = (typeof EDITABLE_SECTIONS)[number];
export const ITEM_KEY: Record<EditableSection, 'id' | 'name'> = {
  checks: 'id',
  components: 'id',
  alerts: 'name',
  maintenance: 'id',
};
/** What one item of a section is called, in messages and on the board. */
export const SECTION_NOUN: Record<EditableSection, string> = {
  checks: 'check',
  components: 'component',
  alerts: 'alert rule',
  maintenance: 'maintenance window',
};

/** The lengths "Start maintenance now" offers, in minutes. */
export const MAINTENANCE_MINUTES = [30, 60, 120, 240] as const;
/** The longest window started from the board: a week, as a recurring window's `for` at most. */
export const MAX_MAINTENANCE_MINUTES = 7 * 24 * 60;

/** An item's JSON at most: far more than any check needs, far less than a file may hold. */
export const MAX_ITEM_CHARS = 64 * 1024;

const section = z.enum(EDITABLE_SECTIONS, {
  error: 'edit.section: expected checks, components, alerts or maintenance',
});
const itemId = z
  .string({ error: 'edit.id: expected the id of the item' })
  .min(1, 'edit.id: expected the id of the item')
  .max(256, 'edit.id: at most 256 characters');
const item = z
  .record(z.string().max(256), z.json(), { error: 'edit.item: expected an object of fields' })
  .refine((value) => JSON.stringify(value).length <= MAX_ITEM_CHARS, `edit.item: at most ${MAX_ITEM_CHARS} characters`);
/** A check's component: the component whose `checks` list holds it (null: none); absent leaves it. */
const component = z.string({ error: 'edit.component: expected a component id or null' }).max(256).nullable().optional();

/** `component` places a check; on any other section's item it would be silently ignored. */
const componentOnChecks = (edit: { section: string; component?: string | null }): boolean =>
  edit.component === undefined || edit.section === 'checks';
const componentError = { message: 'edit.component: only a check is placed in a component', path: ['component'] };

export const ConfigEditSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ op: z.literal('add'), section, item, component }).refine(componentOnChecks, componentError),
    z
      .strictObject({ op: z.literal('replace'), section, id: itemId, item, component })
      .refine(componentOnChecks, componentError),
    /** Components have no pause; checks and alert rules are paused with `enabled: false`. */
    z.strictObject({
      op: z.literal('pause'),
      section: z.enum(['checks', 'alerts'], { error: 'edit.section: only checks and alert rules can be paused' }),
      id: itemId,
      paused: z.boolean({ error: 'edit.paused: expected true or false' }),
    }),
    z.strictObject({ op: z.literal('delete'), section, id: itemId }),
    /**
     * A one-off maintenance window on one check or component from now, for `minutes`: the engine
     * writes it with its own clock (a kiosk's clock may be wrong), in the board's time zone.
     */
    z.strictObject({
      op: z.literal('start-maintenance'),
      target: z.enum(['checks', 'components'], { error: 'edit.target: expected checks or components' }),
      id: itemId,
      minutes: z
        .int({ error: 'edit.minutes: expected whole minutes' })
        .min(1, 'edit.minutes: at least 1')
        .max(MAX_MAINTENANCE_MINUTES, `edit.minutes: at most ${MAX_MAINTENANCE_MINUTES} (a week)`),
    }),
    /**
     * Ends a window in force now, timed by the engine's clock. A one-off window's `end` becomes
     * now (the window stays in the file as a record); a recurring window gets an entry in its
     * `ended` list for the occurrence in force, so its schedule stays.
     */
    z.strictObject({ op: z.literal('end-maintenance'), id: itemId }),
  ],
  { error: 'edit.op: expected add, replace, pause, delete, start-maintenance or end-maintenance' },
);
export type ConfigEdit = z.infer<typeof ConfigEditSchema>;

/** The SHA-256 of the file's bytes the board last read: an edit of another version is a conflict. */
export const RevisionSchema = z
  .string({ error: 'revision: expected the revision the board read' })
  .regex(/^[0-9a-f]{64}$/, 'revision: expected a SHA-256 in hex');

export type JsonObject = { [key: string]: z.core.util.JSONType };

export interface EditableItem {
  /** The item's id (an alert rule's name). */
  id: string;
  /** The item as written in the file. */
  item: JsonObject;
  /** Why the board cannot edit this item (YAML anchors or aliases), or null. */
  locked: string | null;
}

export type ConfigDocumentView =
  | {
      editable: true;
      file: string;
      revision: string;
      checks: EditableItem[];
      components: EditableItem[];
      alerts: EditableItem[];
      maintenance: EditableItem[];
      /** Region ids, for the check form. */
      regions: string[];
      /** The board's time zone: maintenance times are entered and shown in it. */
      timezone: string;
      /** The engine's clock when it read the file (the windows' state below is as of then). */
      now: number;
      /** Each maintenance window's state, when the file passes the schema (else empty). */
      windows: MaintenanceWindowState[];
    }
  | { editable: false; file: string | null; reason: string };

export interface MaintenanceWindowState {
  id: string;
  recurring: boolean;
  /** The occurrence in force now, or null. */
  active: { start: number; end: number } | null;
  /** The next occurrence to start, or null when none will. */
  next: { start: number; end: number } | null;
  /** The checks it covers: named, through their component, or through their region. */
  checks: string[];
}

export type ConfigEditOutcome =
  | { ok: true; revision: string; message: string }
  | {
      ok: false;
      /** conflict: the file changed since `revision`; invalid: the result fails the schema; refused: cannot be edited here. */
      reason: 'conflict' | 'invalid' | 'refused';
      message: string;
      /** For `invalid`: every issue, located in the resulting file. */
      issues: ConfigIssue[];
      /** For `invalid`: the issues of the edited item, by its own field path (`url`, `expect.status`). */
      fields: Record<string, string>;
    };
