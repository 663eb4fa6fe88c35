/**
 * The desktop app's side of `knockon:rpc`, without Electron so tests can call it: the method
 * must exist and be one the board may call, the caller's role must allow it (the contract says
 * which), and the params must parse, before the engine hears of it.
 */
import { userInfo } from 'node:os';
import type { Actor } from '../shared/actor.ts';
import { isBoardMethod, isRpcMethodName, parseRpcParams, rpcRefusal, type RpcMethod } from '../shared/rpc.ts';

export interface RpcTarget {
  request<M extends RpcMethod>(method: M, params: never, actor: Actor): Promise<unknown>;
}

/**
 * The person at the machine: the OS account the app runs as, an admin (they could edit the
 * config file and restart it anyway). Audits name them by their login.
 */
export function desktopActor(): Actor {
  let login = 'desktop';
  try {
    login = userInfo().username || login;
  } catch {
    // No passwd entry (a container with an arbitrary uid): still the machine's user.
  }
  return { id: `os:${login}`, name: login, via: 'ipc', role: 'admin' };
}

export function rpcDispatcher(target: RpcTarget, actor: Actor) {
  return (method: unknown, params: unknown): Promise<unknown> => {
    if (!isRpcMethodName(method) || !isBoardMethod(method)) return Promise.reject(new Error('unknown method'));
    const refused = rpcRefusal(method, actor);
    if (refused) return Promise.reject(new Error(`forbidden: ${refused}`));
    const parsed = parseRpcParams(method, params);
    if (!parsed.ok) return Promise.reject(new Error(parsed.error));
    return target.request(method, parsed.params as never, actor);
  };
}
