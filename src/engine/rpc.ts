import type { RpcMethod, RpcParams, RpcResult } from '../shared/rpc.ts';

type Handler<M extends RpcMethod> = (params: RpcParams<M>) => RpcResult<M> | Promise<RpcResult<M>>;

/**
 * The engine's side of the board's requests: each module registers the methods it serves.
 * Parameters arrive from outside the process: handlers validate them and throw RpcError with a
 * message fit for the person who sent the request.
 */
export class RpcRegistry {
  private readonly handlers = new Map<string, (params: unknown) => unknown>();

  register<M extends RpcMethod>(method: M, handler: Handler<M>): void {
    this.handlers.set(method, handler as (params: unknown) => unknown);
  }

  async dispatch(method: string, params: unknown): Promise<unknown> {
    const handler = this.handlers.get(method);
    if (!handler) throw new RpcError(`unknown method "${method}"`);
    return handler(params);
  }
}

export class RpcError extends Error {}
