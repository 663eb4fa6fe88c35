/**
 * The contract's `auth.*` methods, served by the headless server itself: API tokens and kiosk
 * links sign requests to this server, so they live beside its sessions. Everything else goes on
 * to the engine. The board server has already parsed params and checked the role (admin).
 */
import type { Actor } from '../../shared/actor.ts';
import type { RpcMethod, RpcParams, RpcResult } from '../../shared/rpc.ts';
import type { Clock } from '../../engine/clock.ts';
import type { AuthTables } from '../../engine/store/auth-tables.ts';
import type { BoardSource } from '../board-server.ts';
import { KIOSK_PATH } from '../../shared/auth-api.ts';

type Local = { [M in RpcMethod]?: (params: RpcParams<M>, actor: Actor) => RpcResult<M> };

export function withAuthMethods(
  source: BoardSource,
  tables: AuthTables,
  clock: Clock,
  /** Called after a revoke, so what the token or link signed stops at once. */
  onRevoked: () => void = () => {},
): BoardSource {
  const who = (actor: Actor) => `${actor.name} (${actor.id})`;
  const revoked = (ok: boolean): boolean => {
    if (ok) onRevoked();
    return ok;
  };
  const local: Local = {
    'auth.tokens': () => tables.apiTokens(),
    'auth.createToken': (p, actor) => {
      const made = tables.createApiToken(
        { name: p.name, role: p.role, userId: p.user ?? null, expiresAt: p.expiresAt, createdBy: who(actor) },
        clock.now(),
      );
      return { id: made.id, secret: made.token };
    },
    'auth.revokeToken': (p) =>
      revoked(tables.revokeApiToken(p.tokenId, clock.now()))
        ? { ok: true, message: `token ${p.tokenId} revoked` }
        : { ok: false, message: `no live token "${p.tokenId}"` },
    'auth.kioskLinks': () => tables.kioskLinks(),
    'auth.createKioskLink': (p, actor) => {
      const made = tables.createKioskLink({ name: p.name, createdBy: who(actor) }, clock.now());
      return { id: made.id, secret: `${KIOSK_PATH}${made.secret}` };
    },
    'auth.revokeKioskLink': (p) =>
      revoked(tables.revokeKioskLink(p.linkId, clock.now()))
        ? { ok: true, message: `kiosk link ${p.linkId} revoked; its walls are signed out` }
        : { ok: false, message: `no live kiosk link "${p.linkId}"` },
  };
  return {
    current: () => source.current(),
    seq: source.seq && (() => source.seq!()),
    subscribe: (listener) => source.subscribe(listener),
    subscribeText: source.subscribeText && ((listener) => source.subscribeText!(listener)),
    workerRestarts: source.workerRestarts && (() => source.workerRestarts!()),
    request: async (method, params, actor) => {
      const handler = local[method] as ((p: unknown, a: Actor) => unknown) | undefined;
      if (handler) return handler(params, actor) as never;
      return source.request(method, params, actor);
    },
  };
}
