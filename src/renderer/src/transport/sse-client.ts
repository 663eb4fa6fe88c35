import { isBoardMessage, type BoardMessage } from '../../../shared/protocol.ts';
import { RPC_ACTIONS, type RpcMethod, type RpcParams, type RpcResult } from '../../../shared/rpc.ts';
import type { Transport } from './types.ts';

/** Where the engineer's board token is kept in this browser (asked for on the first action). */
const TOKEN_STORAGE_KEY = 'knockon.token';

/** The board token kept in this browser, if any (a board without sign-in asks for it once). */
export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_STORAGE_KEY, token);
    else localStorage.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // Private browsing without storage: the token is asked for again next time.
  }
}

/** The board token when one is kept; a signed-in browser's session cookie goes by itself. */
function tokenHeader(): Record<string, string> {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function httpCall<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>> {
  const action = RPC_ACTIONS.has(method);
  const response = action
    ? await fetch(`/api/action/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...tokenHeader() },
        body: JSON.stringify(params),
      })
    : // Some queries (the token lists, the config editor's document) are the admin's: the board
      // token is their credential too on a board without sign-in.
      await fetch(`/api/query/${method}?params=${encodeURIComponent(JSON.stringify(params))}`, {
        headers: tokenHeader(),
      });
  const body = (await response.json().catch(() => ({ error: `HTTP ${response.status}` }))) as { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body as RpcResult<M>;
}

/**
 * Board messages from the headless server over Server-Sent Events. EventSource reconnects by
 * itself; the server sends a fresh snapshot on every connection, so nothing needs a click.
 * Messages arriving in one animation frame are applied as one batch.
 */
export function sseTransport(url = '/api/events'): Transport {
  return {
    name: 'sse',
    connect({ onMessages, onConnection }) {
      let source: EventSource | null = null;
      let queue: BoardMessage[] = [];
      let frame = 0;
      let closed = false;
      let retry: ReturnType<typeof setTimeout> | null = null;
      const flush = () => {
        frame = 0;
        const batch = queue;
        queue = [];
        if (batch.length > 0) onMessages(batch);
      };
      const open = () => {
        onConnection('connecting');
        source = new EventSource(url);
        source.addEventListener('board', (event) => {
          let data: unknown;
          try {
            data = JSON.parse((event as MessageEvent<string>).data);
          } catch {
            return;
          }
          if (!isBoardMessage(data)) return;
          queue.push(data);
          if (frame === 0) frame = requestAnimationFrame(flush);
        });
        source.onopen = () => onConnection('live');
        source.onerror = () => {
          onConnection('lost');
          // A closed EventSource (e.g. after HTTP 503) never retries on its own: retry here.
          if (source?.readyState === EventSource.CLOSED && !closed) {
            source.close();
            retry = setTimeout(open, 2_000);
          }
        };
      };
      open();
      return () => {
        closed = true;
        if (retry) clearTimeout(retry);
        if (frame) cancelAnimationFrame(frame);
        source?.close();
      };
    },
    call: (method, params) => httpCall(method, params),
  };
}
