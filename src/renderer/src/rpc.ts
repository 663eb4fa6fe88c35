import { RPC_ACTIONS, type RpcMethod, type RpcParams, type RpcResult } from '../../shared/rpc.ts';
import { storedToken } from './transport/sse-client.ts';
import type { Transport } from './transport/types.ts';
import { useIdentity } from './identity.ts';

/**
 * The renderer's one way to query or act on the engine. The transport is set once at start-up
 * (outside React); views call `call()` and never see IPC or HTTP.
 */
let transport: Transport | null = null;

export function setTransport(value: Transport): void {
  transport = value;
}

export function transportName(): 'ipc' | 'sse' | null {
  return transport?.name ?? null;
}

export function call<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>> {
  if (!transport) return Promise.reject(new Error('not connected to the engine'));
  return transport.call(method, params);
}

/**
 * Actions over HTTP need the board token when the board has no sign-in; a signed-in browser's
 * session is its credential, and the desktop app is trusted through IPC instead.
 */
export function needsToken(method: RpcMethod): boolean {
  const mode = useIdentity.getState().identity.mode;
  return transport?.name === 'sse' && mode === 'token' && RPC_ACTIONS.has(method) && !storedToken();
}
