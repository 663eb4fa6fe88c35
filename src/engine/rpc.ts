import { isRpcMethodName, parseRpcParams, type RpcMethod, type RpcParams, type RpcResult } from '../shared/rpc.ts';

type Handler<M extends RpcMethod> = (params: RpcParams<M>) => RpcResult<M> | Promise<RpcResult<M>>;

/**
 * The engine's side of the board's requests: each module registers the methods it serves.
 * Parameters arrive from outside the process, so dispatch parses them with the method's schema
 * (src/shared/rpc.ts) before a handler sees them: handlers get typed values and only check what
 * a schema cannot know (does this incident exist?), throwing RpcError with a message fit for the
 * person who sent the request.
 */
export class RpcRegistry {
  private readonly handlers = new Map<string, (params: never) => unknown>();

  register<M extends RpcMethod>(method: M, handler: Handler<M>): void {
    this.handlers.set(method, handler as (params: never) => unknown);
  }

  async dispatch(method: unknown, params: unknown): Promise<unknown> {
    if (!isRpcMethodName(method)) throw new RpcError(`unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
    const handler = this.handlers.get(method);
    if (!handler) throw new RpcError(`method "${method}" is not served by this engine`);
    const parsed = parseRpcParams(method, params);
    if (!parsed.ok) throw new RpcError(parsed.error);
    return handler(parsed.params as never);
  }
}

export class RpcError extends Error {}
