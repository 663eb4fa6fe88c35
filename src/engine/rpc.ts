import type { Actor } from '../shared/actor.ts';
import {
  isRpcMethodName,
  parseRpcParams,
  rpcRefusal,
  type RpcMethod,
  type RpcParams,
  type RpcResult,
} from '../shared/rpc.ts';

type Handler<M extends RpcMethod> = (params: RpcParams<M>, actor: Actor) => RpcResult<M> | Promise<RpcResult<M>>;

/**
 * The engine's side of the board's requests: each module registers the methods it serves.
 * Parameters arrive from outside the process, so dispatch parses them with the method's schema
 * (src/shared/rpc.ts) before a handler sees them: handlers get typed values and only check what
 * a schema cannot know (does this incident exist?), throwing RpcError with a message fit for the
 * person who sent the request. The caller's role is checked here too, after the entry point did:
 * a new entry point that forgets cannot let a viewer fail a region over.
 */
export class RpcRegistry {
  private readonly handlers = new Map<string, (params: never, actor: Actor) => unknown>();

  register<M extends RpcMethod>(method: M, handler: Handler<M>): void {
    this.handlers.set(method, handler as (params: never, actor: Actor) => unknown);
  }

  async dispatch(method: unknown, params: unknown, actor: Actor): Promise<unknown> {
    if (!isRpcMethodName(method)) throw new RpcError(`unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
    const refused = rpcRefusal(method, actor);
    if (refused) throw new RpcError(`forbidden: ${refused}`);
    const handler = this.handlers.get(method);
    if (!handler) throw new RpcError(`method "${method}" is not served by this engine`);
    const parsed = parseRpcParams(method, params);
    if (!parsed.ok) throw new RpcError(parsed.error);
    return handler(parsed.params as never, actor);
  }
}

export class RpcError extends Error {}
