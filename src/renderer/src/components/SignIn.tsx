import { useState, type FormEvent, type ReactNode } from 'react';
import type { RpcMethod } from '../../../shared/rpc.ts';
import { signIn, signOut, useIdentity, useMayCall } from '../identity.ts';

/** The sign-in form a board with `auth:` shows until someone signs in. */
export function SignIn() {
  const sso = useIdentity((s) => s.identity.mode === 'signed-out' && s.identity.sso);
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const refused = await signIn(user, password).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    if (refused === null) {
      // A fresh start: the event stream and every view now run as the signed-in user.
      location.reload();
      return;
    }
    setError(refused);
    setBusy(false);
  };
  return (
    <form className="sign-in" onSubmit={(e) => void submit(e)} data-testid="sign-in">
      <h2>Sign in to the board</h2>
      {sso && (
        <a className="button primary" href="/auth/oidc/start" data-testid="sso">
          Sign in with single sign-on
        </a>
      )}
      <label>
        User
        <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="username" required />
      </label>
      <label>
        Password
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          required
        />
      </label>
      {error && (
        <p className="confirm-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

/** Who is signed in, and the way out; nothing on the desktop or a board without sign-in. */
export function WhoAmI() {
  const identity = useIdentity((s) => s.identity);
  if (identity.mode !== 'signed-in') return null;
  const { actor } = identity;
  const kiosk = actor.id.startsWith('kiosk:');
  return (
    <div className="who-am-i" data-testid="who-am-i" data-role={actor.role}>
      {actor.name} · {actor.role}
      {!kiosk && (
        <button type="button" onClick={() => void signOut().then(() => location.reload())}>
          Sign out
        </button>
      )}
    </div>
  );
}

/** Shows its children only when this board's identity may call `method` (the server checks anyway). */
export function IfAllowed({ method, children }: { method: RpcMethod; children: ReactNode }) {
  return useMayCall(method) ? children : null;
}
