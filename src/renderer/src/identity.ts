/**
 * Who this board is signed in as, for showing it and for hiding what the role may not do. The
 * server decides (it checks every call); this only keeps buttons that would be refused off the
 * screen. Desktop (IPC) is the machine's user, an admin; a headless board without `auth:` asks
 * for the board token at the first action, as before.
 */
import { create } from 'zustand';
import { roleAllows, type Actor } from '../../shared/actor.ts';
import { AUTH_ME_PATH, AuthMeSchema, type AuthMe } from '../../shared/auth-api.ts';
import { RPC_CONTRACT, type RpcMethod } from '../../shared/rpc.ts';
import { storeToken } from './transport/sse-client.ts';
import type { Transport } from './transport/types.ts';

export type Identity =
  | { mode: 'loading' }
  | { mode: 'desktop' }
  | { mode: 'token' }
  | { mode: 'signed-out'; sso: boolean }
  | { mode: 'signed-in'; actor: Actor };

export const useIdentity = create<{ identity: Identity }>(() => ({ identity: { mode: 'loading' } }));

/** Sets it only when it changed: a lost stream asks again, and the same answer re-renders nothing. */
const set = (identity: Identity) => {
  if (JSON.stringify(useIdentity.getState().identity) !== JSON.stringify(identity)) useIdentity.setState({ identity });
};

/** Asking again after the server could not be reached (it restarts; a proxy answered instead). */
const RETRY_MS = 2_000;
let retry: ReturnType<typeof setTimeout> | null = null;

/** What the server says at /auth/me, or null when it said nothing this board understands. */
async function askServer(): Promise<AuthMe | null> {
  try {
    const res = await fetch(AUTH_ME_PATH, { headers: { accept: 'application/json' } });
    const parsed = AuthMeSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Asks the server who this browser is: a session, nobody yet, or a board without sign-in. When
 * it cannot tell, what is known stays; a board still loading asks again shortly.
 */
export async function loadIdentity(transport: 'ipc' | 'sse'): Promise<void> {
  if (transport === 'ipc') return set({ mode: 'desktop' });
  const me = await askServer();
  if (!me) {
    if (useIdentity.getState().identity.mode === 'loading' && retry === null) {
      retry = setTimeout(() => {
        retry = null;
        void loadIdentity(transport);
      }, RETRY_MS);
    }
    return;
  }
  if (me.mode === 'open') return set({ mode: 'token' });
  // A board with sign-in acts as whoever signed in: a board token kept from before never speaks for them.
  storeToken(null);
  set(me);
}

/**
 * Opens the board's event stream once this browser may see the board, and closes it when it no
 * longer may: before sign-in the server refuses the stream (401), which must show the sign-in
 * form, not a lost connection. A lost stream asks again who this is, so a session that ended
 * (or a kiosk link revoked) shows the form instead of an alarm.
 */
export function connectWhenAllowed(transport: Transport, handlers: Parameters<Transport['connect']>[0]): () => void {
  let disconnect: (() => void) | null = null;
  const onConnection: typeof handlers.onConnection = (state) => {
    handlers.onConnection(state);
    if (state === 'lost') void loadIdentity(transport.name);
  };
  const follow = ({ identity }: { identity: Identity }) => {
    const allowed = identity.mode !== 'loading' && identity.mode !== 'signed-out';
    if (allowed && !disconnect) disconnect = transport.connect({ onMessages: handlers.onMessages, onConnection });
    else if (!allowed && disconnect) {
      disconnect();
      disconnect = null;
    }
  };
  const unsubscribe = useIdentity.subscribe(follow);
  follow(useIdentity.getState());
  void loadIdentity(transport.name);
  return () => {
    unsubscribe();
    disconnect?.();
  };
}

/** Signs in; resolves with the server's reason when it refuses. */
export async function signIn(user: string, password: string): Promise<string | null> {
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  });
  if (res.ok) return null;
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return body.error ?? `sign-in failed (HTTP ${res.status})`;
}

export async function signOut(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST' });
}

/** Whether this board's identity may call the method (the server checks again, whatever this says). */
export function mayCall(identity: Identity, method: RpcMethod): boolean {
  if (identity.mode === 'signed-in') return roleAllows(identity.actor.role, RPC_CONTRACT[method].role);
  return identity.mode === 'desktop' || identity.mode === 'token';
}

export function useMayCall(method: RpcMethod): boolean {
  return useIdentity((s) => mayCall(s.identity, method));
}
