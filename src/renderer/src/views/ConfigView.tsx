import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  EDITABLE_SECTIONS,
  ITEM_KEY,
  SECTION_NOUN,
  type ConfigDocumentView,
  type ConfigEdit,
  type EditableItem,
  type EditableSection,
  type JsonObject,
} from '../../../shared/config-edit.ts';
import {
  componentOf,
  fieldsFor,
  fieldText,
  inFormOrder,
  targetOf,
  topKey,
  valueText,
  withField,
  type FieldSpec,
  type FormContext,
} from '../config-form.ts';
import { LengthChoice } from '../components/MaintenanceActions.tsx';
import { formatTime } from '../format.ts';
import { endMaintenance, LENGTHS, startMaintenance, windowWhen } from '../maintenance.ts';
import { isoInZone } from '../../../shared/zoned-time.ts';
import { useIdentity, useMayCall } from '../identity.ts';
import { call, needsToken } from '../rpc.ts';
import { storeToken } from '../transport/sse-client.ts';
import { useBoard } from '../store.ts';
import { useUi } from '../ui-store.ts';

type Doc = Extract<ConfigDocumentView, { editable: true }>;

/** After a window's edge, so the engine's clock has passed it too. */
const EDGE_SLACK_MS = 500;
const DAY_MS = 86_400_000;

const PLURAL: Record<EditableSection, string> = {
  checks: 'Checks',
  components: 'Components',
  alerts: 'Alert rules',
  maintenance: 'Maintenance windows',
};

interface Editing {
  section: EditableSection;
  /** The item's id in the file; null for a new one. */
  id: string | null;
  draft: JsonObject;
  /** A check's component (the form's choice); undefined for other items. */
  component?: string | null;
}

/**
 * The config editor (admins only): the file the board runs from, its checks, components and
 * alert rules, and a form for each. Every change is sent as one edit with the revision it was
 * made against; the engine validates it, writes the file and the hot reload applies it.
 */
export function ConfigView() {
  const allowed = useMayCall('config.edit');
  const [doc, setDoc] = useState<ConfigDocumentView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ tone: 'ok' | 'error'; text: string; conflict?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [tokenNeeded, setTokenNeeded] = useState(() => needsToken('config.edit'));

  const load = useCallback(async () => {
    try {
      setDoc(await call('config.document', {}));
      setLoadError(null);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      // A board without sign-in: a wrong or missing board token is asked for again.
      if (/401|403|forbidden|unauthori[sz]ed/i.test(text) && useIdentity.getState().identity.mode === 'token') {
        storeToken(null);
        setTokenNeeded(true);
      }
      setLoadError(text);
    }
  }, []);

  useEffect(() => {
    if (allowed && !tokenNeeded) void load();
  }, [allowed, tokenNeeded, load]);

  // Read again when a window starts or ends, so "in force" and "next" stay true on an open screen.
  useEffect(() => {
    if (!doc?.editable) return;
    const edges = doc.windows.flatMap((w) => [w.active?.end, w.next?.start]).filter((t) => t !== undefined);
    if (edges.length === 0) return;
    const wait = Math.max(Math.min(...edges) - doc.now, 0) + EDGE_SLACK_MS;
    if (wait > DAY_MS) return;
    const timer = setTimeout(() => void load(), wait);
    return () => clearTimeout(timer);
  }, [doc, load]);

  if (!allowed) {
    return (
      <div className="detail-view" data-testid="view-config">
        <p className="empty">Editing the config needs the admin role.</p>
      </div>
    );
  }
  if (tokenNeeded) return <TokenGate onToken={() => setTokenNeeded(false)} />;

  /** Sends one edit; null when it was saved, else what went wrong (also shown on the page). */
  const send = async (edit: ConfigEdit): Promise<string | null> => {
    if (!doc?.editable) return 'the config is not editable';
    setBusy(true);
    setFieldErrors({});
    try {
      const outcome = await call('config.edit', { revision: doc.revision, edit });
      if (outcome.ok) {
        setMessage({ tone: 'ok', text: `Saved: ${outcome.message}. The board applies it as the file reloads.` });
        await load();
        return null;
      }
      setFieldErrors(outcome.fields);
      const itemOnly =
        Object.keys(outcome.fields).length > 0 && outcome.issues.length === Object.keys(outcome.fields).length;
      setMessage({
        tone: 'error',
        text: itemOnly ? 'Not saved: fix the fields marked below.' : outcome.message,
        conflict: outcome.reason === 'conflict',
      });
      return outcome.message;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      setMessage({ tone: 'error', text });
      return text;
    } finally {
      setBusy(false);
    }
  };

  /** Pausing, resuming and deleting ask first, as every action on the board does. */
  const confirmEdit = (edit: Extract<ConfigEdit, { op: 'pause' | 'delete' }>) => {
    const what = `${SECTION_NOUN[edit.section]} “${edit.id}”`;
    const file = doc?.file ?? 'the config file';
    const verb = edit.op === 'delete' ? 'Delete' : edit.paused ? 'Pause' : 'Resume';
    useUi.getState().confirm({
      title: `${verb} ${what}?`,
      description:
        edit.op === 'delete'
          ? `It is removed from ${file}; the comments around it stay.`
          : edit.paused
            ? `It is written as enabled: false in ${file}: ${edit.section === 'checks' ? 'not probed' : 'not evaluated'} until resumed.`
            : `enabled: false is removed from it in ${file}.`,
      confirmLabel: verb,
      method: 'config.edit',
      note: null,
      danger: edit.op === 'delete',
      run: async () => {
        const problem = await send(edit);
        if (problem !== null) throw new Error(problem);
      },
      done: `${verb === 'Delete' ? 'Deleted' : verb === 'Pause' ? 'Paused' : 'Resumed'} ${what}`,
    });
  };

  return (
    <div className="detail-view" data-testid="view-config">
      <header className="detail-head">
        <h2>Config</h2>
        {doc && (
          <span className="muted" data-testid="config-file">
            {doc.file ? (
              <>
                runs from <code>{doc.file}</code>
              </>
            ) : (
              'runs from the built-in demo'
            )}
            {doc.editable && <> · revision {doc.revision.slice(0, 8)}</>}
          </span>
        )}
        <button type="button" onClick={() => void load()} disabled={busy}>
          Reload
        </button>
      </header>
      <p className="muted">
        Changes are written to the file itself (comments and order kept), checked against the same rules as a save in an
        editor, and applied by the hot reload. If the file changed on disk in the meantime, nothing is written.
      </p>
      {loadError && (
        <p className="confirm-error" role="alert">
          {loadError}
        </p>
      )}
      {message && (
        <p
          className={message.tone === 'ok' ? 'config-saved' : 'confirm-error'}
          role={message.tone === 'ok' ? 'status' : 'alert'}
          data-testid="config-message"
        >
          {message.text}{' '}
          {message.conflict && (
            <button
              type="button"
              onClick={() =>
                void load().then(() => {
                  setEditing(null);
                  setMessage(null);
                })
              }
            >
              Reload the file
            </button>
          )}
        </p>
      )}
      {doc?.editable && !editing && <MaintenanceNow doc={doc} />}
      {doc && !doc.editable && (
        <p className="empty" data-testid="config-not-editable">
          Not editable from the board: {doc.reason}
        </p>
      )}
      {doc?.editable &&
        (editing ? (
          <ItemForm
            doc={doc}
            editing={editing}
            errors={fieldErrors}
            busy={busy}
            onChange={setEditing}
            onCancel={() => {
              setEditing(null);
              setFieldErrors({});
            }}
            onSave={async () => {
              const key = ITEM_KEY[editing.section];
              const component = editing.section === 'checks' ? changedComponent(doc, editing) : undefined;
              const extra = component === undefined ? {} : { component };
              const edit: ConfigEdit =
                editing.id === null
                  ? {
                      op: 'add',
                      section: editing.section,
                      item: inFormOrder(editing.draft, fieldsFor(editing.section, editing.draft, formContext(doc))),
                      ...extra,
                    }
                  : { op: 'replace', section: editing.section, id: editing.id, item: editing.draft, ...extra };
              if (typeof editing.draft[key] !== 'string') {
                setFieldErrors({ [key]: `expected ${key === 'id' ? 'an id' : 'a name'}` });
                return;
              }
              if ((await send(edit)) === null) setEditing(null);
            }}
          />
        ) : (
          EDITABLE_SECTIONS.map((section) => (
            <ItemList
              key={section}
              section={section}
              doc={doc}
              busy={busy}
              onAdd={() => {
                setMessage(null);
                setEditing({
                  section,
                  id: null,
                  draft: newDraft(section, doc),
                  ...(section === 'checks' ? { component: null } : {}),
                });
              }}
              onEdit={(item) => {
                setMessage(null);
                setEditing({
                  section,
                  id: item.id,
                  draft: item.item,
                  ...(section === 'checks' ? { component: componentOf(item.id, doc.components) } : {}),
                });
              }}
              onPause={(item, paused) =>
                (section === 'checks' || section === 'alerts') &&
                confirmEdit({ op: 'pause', section, id: item.id, paused })
              }
              onDelete={(item) => confirmEdit({ op: 'delete', section, id: item.id })}
              onEnd={(item) => endMaintenance(doc, item.id, send)}
              onStart={(target, id, minutes) => startMaintenance(target, id, minutes, doc.file, send)}
            />
          ))
        ))}
    </div>
  );
}

function formContext(doc: Doc): FormContext {
  return { regions: doc.regions, components: doc.components.map((c) => c.id), timezone: doc.timezone };
}

const HOUR = 3_600_000;

/** A new item's first fields: a check is http, a rule fires on down, a window is the next hour. */
function newDraft(section: EditableSection, doc: Doc): JsonObject {
  if (section === 'checks') return { type: 'http' };
  if (section === 'alerts') return { condition: 'down' };
  if (section !== 'maintenance') return {};
  const start = Math.ceil(doc.now / HOUR) * HOUR;
  return { start: isoInZone(start, doc.timezone), end: isoInZone(start + HOUR, doc.timezone) };
}

/** A list's columns after the id: a header and the cell of each item. */
function columns(section: EditableSection, doc: Doc, status: (id: string) => string | undefined) {
  const text = (key: string) => (entry: EditableItem) => valueText(entry.item[key]);
  const paused = (other: (entry: EditableItem) => string) => (entry: EditableItem) =>
    entry.item.enabled === false ? <strong>paused</strong> : other(entry);
  switch (section) {
    case 'checks':
      return [
        { head: 'Name', cell: text('name') },
        { head: 'Type and target', cell: (e: EditableItem) => `${valueText(e.item['type'])} ${targetOf(e.item)}` },
        { head: 'Status', cell: paused((e) => status(e.id) ?? 'not applied yet') },
      ];
    case 'components':
      return [
        { head: 'Name', cell: text('name') },
        { head: 'Checks', cell: text('checks') },
        { head: 'Region', cell: text('region') },
      ];
    case 'alerts':
      return [
        { head: 'Condition', cell: text('condition') },
        { head: 'Severity', cell: (e: EditableItem) => valueText(e.item['severity']) || 'warning' },
        { head: 'On', cell: paused(text('on')) },
      ];
    case 'maintenance':
      return [
        { head: 'Reason', cell: text('name') },
        {
          head: 'Covers',
          cell: (e: EditableItem) =>
            (['checks', 'components', 'regions'] as const)
              .filter((k) => Array.isArray(e.item[k]) && e.item[k].length > 0)
              .map((k) => `${k} ${valueText(e.item[k])}`)
              .join('; '),
        },
        { head: 'When', cell: (e: EditableItem) => windowWhen(doc, e.id) },
      ];
  }
}

/** The component to move the check to, when the form changed it; undefined leaves membership alone. */
function changedComponent(doc: Doc, editing: Editing): string | null | undefined {
  const before = editing.id === null ? null : componentOf(editing.id, doc.components);
  return editing.component === before && editing.id !== null ? undefined : (editing.component ?? null);
}

/** The windows in force and the next to start, above the lists: what an on-call engineer looks for first. */
function MaintenanceNow({ doc }: { doc: Doc }) {
  const active = doc.windows.filter((w) => w.active);
  const next = doc.windows
    .filter((w) => w.next && !w.active)
    .sort((a, b) => a.next!.start - b.next!.start)
    .slice(0, 3);
  if (active.length === 0 && next.length === 0) return null;
  return (
    <p className="config-maintenance-now" data-testid="config-maintenance-now">
      <strong>Maintenance:</strong>{' '}
      {active.length > 0
        ? active
            .map(
              (w) =>
                `${w.id} until ${formatTime(w.active!.end, doc.timezone, true)} (${w.checks.length === 1 ? '1 check' : `${w.checks.length} checks`})`,
            )
            .join(', ')
        : 'no window in force'}
      {next.length > 0 && (
        <> · next: {next.map((w) => `${w.id} at ${formatTime(w.next!.start, doc.timezone, true)}`).join(', ')}</>
      )}
    </p>
  );
}

/** "Start maintenance now" on any check or component: the quick action of a check's detail, for components too. */
function StartNow({
  doc,
  busy,
  onStart,
}: {
  doc: Doc;
  busy: boolean;
  onStart: (target: 'checks' | 'components', id: string, minutes: number) => void;
}) {
  const [target, setTarget] = useState('');
  const [minutes, setMinutes] = useState<number>(LENGTHS[0]!.minutes);
  const [section, id] = target.split(':', 2) as ['checks' | 'components', string];
  return (
    <div className="toolbar config-start-now" data-testid="config-start-now">
      <label>
        Start maintenance now on{' '}
        <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="config-start-now-target">
          <option value="">(choose)</option>
          {(['components', 'checks'] as const).map((s) => (
            <optgroup key={s} label={PLURAL[s]}>
              {doc[s].map((item) => (
                <option key={item.id} value={`${s}:${item.id}`}>
                  {item.id}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <LengthChoice label="for" minutes={minutes} onChange={setMinutes} />
      <button type="button" disabled={busy || target === ''} onClick={() => onStart(section, id, minutes)}>
        Start
      </button>
    </div>
  );
}

function ItemList({
  section,
  doc,
  busy,
  onAdd,
  onEdit,
  onPause,
  onDelete,
  onEnd,
  onStart,
}: {
  section: EditableSection;
  doc: Doc;
  busy: boolean;
  onAdd: () => void;
  onEdit: (item: EditableItem) => void;
  onPause: (item: EditableItem, paused: boolean) => void;
  onDelete: (item: EditableItem) => void;
  onEnd: (item: EditableItem) => void;
  onStart: (target: 'checks' | 'components', id: string, minutes: number) => void;
}) {
  const statuses = useBoard((s) => s.board?.checks);
  const items = doc[section];
  const pausable = section === 'checks' || section === 'alerts';
  const cols = columns(section, doc, (id) => statuses?.find((c) => c.id === id)?.status);
  return (
    <section className="config-section" data-testid={`config-${section}`}>
      <div className="detail-head">
        <h3>
          {PLURAL[section]} <span className="muted">({items.length})</span>
        </h3>
        <button type="button" className="primary" onClick={onAdd} disabled={busy} data-testid={`config-add-${section}`}>
          Add {SECTION_NOUN[section]}
        </button>
      </div>
      {section === 'maintenance' && (
        <p className="muted">
          Times in {doc.timezone}. Checks in a window show MAINTENANCE, their alerts are held and their availability is
          not charged. End now sets a one-off window’s end to now (the window stays in the file as a record); on a
          recurring window it ends the occurrence in force only, and the schedule stays.
        </p>
      )}
      {section === 'maintenance' && <StartNow doc={doc} busy={busy} onStart={onStart} />}
      {items.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{section === 'alerts' ? 'Name' : 'Id'}</th>
              {cols.map((c) => (
                <th key={c.head} scope="col">
                  {c.head}
                </th>
              ))}
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => {
              const paused = entry.item.enabled === false;
              const state = section === 'maintenance' ? doc.windows.find((w) => w.id === entry.id) : undefined;
              return (
                <tr
                  key={entry.id}
                  data-testid={`config-item-${entry.id}`}
                  data-paused={paused ? 'true' : 'false'}
                  data-active={state ? (state.active ? 'true' : 'false') : undefined}
                >
                  <td>
                    <code>{entry.id}</code>
                  </td>
                  {cols.map((c) => (
                    <td key={c.head}>{c.cell(entry)}</td>
                  ))}
                  <td>
                    <div className="config-actions">
                      {entry.locked ? (
                        <span className="muted" title={entry.locked}>
                          edit in the file
                        </span>
                      ) : (
                        <>
                          <button type="button" onClick={() => onEdit(entry)} disabled={busy}>
                            Edit
                          </button>
                          {pausable && (
                            <button type="button" onClick={() => onPause(entry, !paused)} disabled={busy}>
                              {paused ? 'Resume' : 'Pause'}
                            </button>
                          )}
                          {state?.active && (
                            <button type="button" onClick={() => onEnd(entry)} disabled={busy}>
                              End now
                            </button>
                          )}
                          <button type="button" className="danger" onClick={() => onDelete(entry)} disabled={busy}>
                            Delete
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ItemForm({
  doc,
  editing,
  errors,
  busy,
  onChange,
  onCancel,
  onSave,
}: {
  doc: Doc;
  editing: Editing;
  errors: Record<string, string>;
  busy: boolean;
  onChange: (next: Editing) => void;
  onCancel: () => void;
  onSave: () => Promise<void>;
}) {
  const context = formContext(doc);
  const fields = fieldsFor(editing.section, editing.draft, context);
  const shown = new Set(fields.map((f) => f.key));
  const shownTop = new Set(fields.map((f) => topKey(f.key)));
  const others = Object.keys(editing.draft).filter((k) => !shownTop.has(k));
  const otherErrors = Object.entries(errors).filter(([k]) => !shown.has(k) && k !== 'component');
  const title =
    editing.id === null
      ? `Add a ${SECTION_NOUN[editing.section]}`
      : `Edit ${SECTION_NOUN[editing.section]} “${editing.id}”`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) void onSave();
  };
  return (
    <form className="config-form" onSubmit={submit} data-testid="config-form" aria-label={title}>
      <h3>{title}</h3>
      {fields.map((spec) => (
        <Field
          key={spec.key}
          spec={spec}
          value={fieldText(spec, editing.draft)}
          written={spec.kind === 'secret' && typeof editing.draft[spec.key] === 'string'}
          error={errors[spec.key] ?? null}
          onChange={(text) => onChange({ ...editing, draft: withField(editing.draft, spec, text) })}
        />
      ))}
      {editing.section === 'checks' && (
        <label className="config-field">
          <span>Component</span>
          <select
            value={editing.component ?? ''}
            onChange={(e) => onChange({ ...editing, component: e.target.value || null })}
            data-testid="config-field-component"
          >
            <option value="">(none)</option>
            {context.components.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
          <small className="muted">its checks list in the file is changed too</small>
        </label>
      )}
      {others.length > 0 && (
        <p className="muted">
          Kept as written in the file:{' '}
          {others.map((k) => (
            <code key={k}>{k} </code>
          ))}
        </p>
      )}
      {otherErrors.map(([field, text]) => (
        <p key={field} className="confirm-error" role="alert">
          {field}: {text}
        </p>
      ))}
      <div className="confirm-buttons">
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="config-save">
          {busy ? 'Saving…' : 'Save to file'}
        </button>
      </div>
    </form>
  );
}

function Field({
  spec,
  value,
  written,
  error,
  onChange,
}: {
  spec: FieldSpec;
  value: string;
  /** A secret written in the file: never shown, typing replaces it. */
  written: boolean;
  error: string | null;
  onChange: (text: string) => void;
}) {
  const id = `config-field-${spec.key}`;
  const described = error ? `${id}-error` : spec.hint ? `${id}-hint` : undefined;
  const choice = spec.kind === 'select' || spec.kind === 'boolean' || spec.kind === 'schedule';
  return (
    <div className={`config-field${error ? ' is-invalid' : ''}`}>
      <label htmlFor={id}>{spec.label}</label>
      {choice ? (
        <select
          id={id}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          data-testid={id}
          aria-describedby={described}
        >
          {(spec.options ?? []).map((option) => (
            <option key={option} value={option}>
              {option || (spec.empty ?? '(default)')}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          {...(spec.kind === 'secret' ? { defaultValue: '' } : { value })}
          type={spec.kind === 'secret' ? 'password' : 'text'}
          autoComplete={spec.kind === 'secret' ? 'off' : undefined}
          placeholder={written ? 'set in the file: type to replace it' : undefined}
          inputMode={spec.kind === 'number' ? 'decimal' : undefined}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={described}
          data-testid={id}
        />
      )}
      {error ? (
        <small id={`${id}-error`} className="confirm-error" data-testid={`${id}-error`}>
          {/* The schema speaks of the file's form of a time; the person typed the board's. */}
          {spec.kind === 'datetime' && /ISO 8601/.test(error)
            ? `expected ${spec.hint ?? 'a time'} (the file takes an ISO 8601 time with its zone)`
            : error}
        </small>
      ) : (
        spec.hint && (
          <small id={`${id}-hint`} className="muted">
            {spec.hint}
          </small>
        )
      )}
    </div>
  );
}

/** A board without sign-in: the config is read and written with the board token. */
function TokenGate({ onToken }: { onToken: () => void }) {
  const [token, setToken] = useState('');
  return (
    <div className="detail-view" data-testid="view-config">
      <form
        className="config-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!token.trim()) return;
          storeToken(token.trim());
          onToken();
        }}
      >
        <label className="config-field">
          <span>
            Board token (printed by <code>knockon serve</code>; kept in this browser)
          </span>
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          Open the config
        </button>
      </form>
    </div>
  );
}
