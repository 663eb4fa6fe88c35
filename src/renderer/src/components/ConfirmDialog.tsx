import { useEffect, useRef, useState, type FormEvent } from 'react';
import { needsToken } from '../rpc.ts';
import { storeToken } from '../transport/sse-client.ts';
import { useUi } from '../ui-store.ts';

/**
 * Every action that changes state goes through here: a modal <dialog> (focus trapped, Esc
 * cancels) naming what will happen. In a browser the board token is asked for once and kept in
 * localStorage; a rejected token is forgotten and asked for again.
 */
export function ConfirmDialog() {
  const pending = useUi((s) => s.pending);
  const close = useUi((s) => s.closeDialog);
  const toast = useUi((s) => s.toast);
  const ref = useRef<HTMLDialogElement>(null);
  const [note, setNote] = useState('');
  const [token, setToken] = useState('');
  const [askToken, setAskToken] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (pending) {
      setNote('');
      setToken('');
      setError(null);
      setBusy(false);
      setAskToken(needsToken(pending.method));
      if (!dialog.open) dialog.showModal();
    } else if (dialog.open) dialog.close();
  }, [pending]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!pending || busy) return;
    if (pending.note?.required && !note.trim()) {
      setError(`${pending.note.label} is required.`);
      return;
    }
    if (askToken) {
      if (!token.trim()) {
        setError('The board token is required for actions.');
        return;
      }
      storeToken(token.trim());
    }
    setBusy(true);
    setError(null);
    try {
      await pending.run(note.trim());
      close();
      toast({ title: pending.done, body: '', tone: 'ok', incidentId: null });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/token|401|unauthori[sz]ed/i.test(message)) {
        storeToken(null);
        setAskToken(true);
      }
      setError(message);
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="confirm-title"
      data-testid="confirm-dialog"
      onClose={() => pending && close()}
    >
      {pending && (
        <form method="dialog" onSubmit={(e) => void submit(e)}>
          <h2 id="confirm-title">{pending.title}</h2>
          <p>{pending.description}</p>
          {pending.note && (
            <label>
              {pending.note.label}
              <input value={note} onChange={(e) => setNote(e.target.value)} data-testid="confirm-note" />
            </label>
          )}
          {askToken && (
            <label>
              Board token (printed by <code>knockon serve</code>; kept in this browser)
              <input
                type="password"
                value={token}
                onChange={(e) => setToken(e.target.value)}
                autoComplete="off"
                data-testid="confirm-token"
              />
            </label>
          )}
          {error && (
            <p className="confirm-error" role="alert">
              {error}
            </p>
          )}
          <div className="confirm-buttons">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className={pending.danger ? 'danger' : 'primary'} disabled={busy}>
              {busy ? 'Working…' : pending.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
