/**
 * Who this board is signed in as, for showing it and for hiding what the role may not do. The
 * server decides (it checks every call); this only keeps buttons that would be refused off the
 * screen. Desktop (IPC) is the machine's user, an admin; a headless board without `auth:` asks
 * for the board token at the first action, as before.
 */
import { create } from 'zustand';
import { ActorSchema, roleAllows, type Actor } from '../../shared/actor.ts';
import { RPC_CONTRACT, type RpcMethod } from '../../shared/rpc.ts';

export type Identity =
  | { mode: 'loading' }
  | { mode: 'desktop' }
  | { mode: 'token' }
  | { mode: 'signed-out'; sso: boolean }
  | { mode: 'signed-in'; actor: Actor };

export const useIdentity = create<{ identity: Identity }>(() => ({ identity: { mode: 'loading' } }));

const set = (identity: Identity) => useIdentity.setState({ identity });

/** Asks the server who this browser is: a session, nobody yet, or a board without sign-in. */
export async function loadIdentity(transport: 'ipc' | 'sse'): Promise<void> {
  if (transport === 'ipc') return set({ mode: 'desktop' });
  try {
    const res = await fetch('/auth/me', { headers: { accept: 'application/json' } });
    // Without auth: there is no /auth route: the page itself comes back.
    if (!(res.headers.get('content-type') ?? '').includes('application/json')) return set({ mode: 'token' });
    if (res.status === 401) {
      const body = (await res.json().catch(() => ({}))) as { sso?: unknown };
      return set({ mode: 'signed-out', sso: body.sso === true });
    }
    const parsed = ActorSchema.safeParse(((await res.json()) as { actor?: unknown }).actor);
    set(parsed.success ? { mode: 'signed-in', actor: parsed.data } : { mode: 'signed-out', sso: false });
  } catch {
    set({ mode: 'token' });
  }
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
