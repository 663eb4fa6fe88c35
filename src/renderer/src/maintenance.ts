/**
 * Maintenance windows on the board: how a window's time reads, and the two quick actions ("Start
 * maintenance now", "End now") as confirmed edits of the config file through `config.edit`.
 */
import {
  MAINTENANCE_MINUTES,
  SECTION_NOUN,
  type ConfigDocumentView,
  type ConfigEdit,
} from '../../shared/config-edit.ts';
import { valueText } from './config-form.ts';
import { formatTime } from './format.ts';
import { call } from './rpc.ts';
import { useUi } from './ui-store.ts';

type Doc = Extract<ConfigDocumentView, { editable: true }>;
/** Sends one edit; null when it was saved, else why not. */
export type Send = (edit: ConfigEdit) => Promise<string | null>;

export const LENGTHS = MAINTENANCE_MINUTES.map((minutes) => ({
  minutes,
  label: minutes < 60 ? `${minutes} min` : `${minutes / 60} h`,
}));

/** When a window is in force, as the list says it: "in force until …", "next …", a recurring one's rule. */
export function windowWhen(doc: Doc, id: string): string {
  const state = doc.windows.find((w) => w.id === id);
  const item = doc.maintenance.find((w) => w.id === id)?.item;
  const at = (t: number) => formatTime(t, doc.timezone, true);
  const every = item?.every;
  const rule =
    every !== null && typeof every === 'object' && !Array.isArray(every)
      ? `every ${valueText(every.days) || 'day'} at ${valueText(every.at)} for ${valueText(every.for)} (${valueText(every.timezone) || 'UTC'})`
      : null;
  const now = state?.active
    ? `in force until ${at(state.active.end)}`
    : state?.next
      ? `next ${at(state.next.start)} to ${at(state.next.end)}`
      : state
        ? 'over'
        : 'not applied (the file does not pass the schema)';
  return rule ? `${now}; ${rule}` : now;
}

/** An edit made against the file as it is now: the quick actions work from any view. */
export const sendFresh: Send = async (edit) => {
  try {
    const doc = await call('config.document', {});
    if (!doc.editable) return `not editable from the board: ${doc.reason}`;
    const outcome = await call('config.edit', { revision: doc.revision, edit });
    return outcome.ok ? null : outcome.message;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

const confirmed = (send: Send, edit: ConfigEdit) => async () => {
  const problem = await send(edit);
  if (problem !== null) throw new Error(problem);
};

/** "Start maintenance now" on a check or component, for `minutes`, once confirmed. */
export function startMaintenance(
  target: 'checks' | 'components',
  id: string,
  minutes: number,
  file: string | null,
  send: Send = sendFresh,
): void {
  const what = `${SECTION_NOUN[target]} “${id}”`;
  const length = LENGTHS.find((l) => l.minutes === minutes)?.label ?? `${minutes} min`;
  useUi.getState().confirm({
    title: `Start maintenance on ${what} for ${length}?`,
    description: `A one-off window from now is written to ${file ?? 'the config file'}: the ${SECTION_NOUN[target]} shows MAINTENANCE, its alerts are held and its availability is not charged until the window ends.`,
    confirmLabel: 'Start maintenance',
    method: 'config.edit',
    note: null,
    danger: false,
    run: confirmed(send, { op: 'start-maintenance', target, id, minutes }),
    done: `Maintenance started on ${what} for ${length}`,
  });
}

/**
 * "End now" on a window in force, once confirmed: a one-off window's end becomes now; a recurring
 * window's occurrence in force ends now, and its schedule stays.
 */
export function endMaintenance(
  doc: Pick<Doc, 'file' | 'windows' | 'timezone'>,
  id: string,
  send: Send = sendFresh,
): void {
  const state = doc.windows.find((w) => w.id === id);
  const covers = state?.checks ?? [];
  const what = state?.recurring
    ? `This occurrence ends now (written to ${doc.file}); the schedule stays${state.next ? `, next from ${formatTime(state.next.start, doc.timezone, true)}` : ''}.`
    : `Its end is set to now in ${doc.file}; the window stays in the file as a record.`;
  useUi.getState().confirm({
    title: state?.recurring ? `End this occurrence of “${id}” now?` : `End maintenance window “${id}” now?`,
    description: `${what} ${covers.length === 1 ? 'Its check' : `Its ${covers.length} checks`} (${covers.join(', ')}) show their own status again and their alerts resume.`,
    confirmLabel: 'End now',
    method: 'config.edit',
    note: null,
    danger: false,
    run: confirmed(send, { op: 'end-maintenance', id }),
    done: `Ended maintenance window “${id}”`,
  });
}
