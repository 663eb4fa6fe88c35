import { useEffect, useState } from 'react';
import type { ConfigDocumentView } from '../../../shared/config-edit.ts';
import { formatTime } from '../format.ts';
import { useMayCall } from '../identity.ts';
import { endMaintenance, LENGTHS, startMaintenance } from '../maintenance.ts';
import { call } from '../rpc.ts';
import { useBoard } from '../store.ts';

type Doc = Extract<ConfigDocumentView, { editable: true }>;

/**
 * A check's or component's maintenance from its detail: the windows in force (with "End now") and
 * the next one, and "Start maintenance now" for a chosen length. Shown to whoever may act
 * (operators too: the server refuses them, and the dialog says so); only an admin can read the
 * file's windows, so only an admin sees them and "End now".
 */
export function MaintenanceActions({
  target = 'checks',
  id,
  checks = [id],
  status,
}: {
  target?: 'checks' | 'components';
  id: string;
  /** The checks whose windows are shown: the check itself, or the component's. */
  checks?: string[];
  /** Read again as this changes: the window list changed with it. */
  status: string;
}) {
  const mayAct = useMayCall('incidents.unsilence');
  const admin = useMayCall('config.edit');
  const timezone = useBoard((s) => s.board?.timezone ?? 'UTC');
  const [minutes, setMinutes] = useState<number>(LENGTHS[0]!.minutes);
  const [doc, setDoc] = useState<Doc | null>(null);

  useEffect(() => {
    if (!admin) return;
    let live = true;
    call('config.document', {}).then(
      (view) => live && setDoc(view.editable ? view : null),
      () => live && setDoc(null),
    );
    return () => {
      live = false;
    };
  }, [admin, status]);

  if (!mayAct) return null;
  const mine = (doc?.windows ?? []).filter((w) => w.checks.some((c) => checks.includes(c)));
  const active = mine.filter((w) => w.active);
  const next = mine
    .filter((w) => w.next)
    .sort((a, b) => a.next!.start - b.next!.start)
    .at(0);
  return (
    <section className="detail-maintenance" aria-labelledby="maintenance-title" data-testid="maintenance-actions">
      <h3 id="maintenance-title">Maintenance</h3>
      {active.map((w) => (
        <p key={w.id} data-testid={`maintenance-window-${w.id}`}>
          In window <code>{w.id}</code> until {formatTime(w.active!.end, timezone, true)}{' '}
          {w.recurring && <span className="muted">(recurring) </span>}
          <button type="button" onClick={() => doc && endMaintenance(doc, w.id)}>
            End now
          </button>
        </p>
      ))}
      {next && (
        <p className="muted" data-testid="maintenance-next">
          Next: <code>{next.id}</code> from {formatTime(next.next!.start, timezone, true)} to{' '}
          {formatTime(next.next!.end, timezone, true)}
        </p>
      )}
      <div className="toolbar">
        <LengthChoice label="Length" minutes={minutes} onChange={setMinutes} testId="maintenance-length" />
        <button
          type="button"
          onClick={() => startMaintenance(target, id, minutes, doc?.file ?? null)}
          data-testid="start-maintenance"
        >
          Start maintenance now
        </button>
      </div>
    </section>
  );
}

/** The lengths "Start maintenance now" offers, as a labelled choice. */
export function LengthChoice({
  label,
  minutes,
  onChange,
  testId,
}: {
  label: string;
  minutes: number;
  onChange: (minutes: number) => void;
  testId?: string;
}) {
  return (
    <label>
      {label}{' '}
      <select value={minutes} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId}>
        {LENGTHS.map((l) => (
          <option key={l.minutes} value={l.minutes}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}
