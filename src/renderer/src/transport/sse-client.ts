import type { CheckView } from '../../../shared/model.ts';
import { giveNameOrder } from '../grid-layout.ts';
import type { BoardMessage } from '../../../shared/protocol.ts';
import { RPC_ACTIONS, type RpcMethod, type RpcParams, type RpcResult } from '../../../shared/rpc.ts';
import type { StreamCommand, StreamEvent } from './stream-worker.ts';
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

/** After a reload for a newer server, another is not tried for this long (no reload loop). */
const RELOAD_GAP_MS = 60_000;
const RELOADED_KEY = 'knockon.reloadedForVersion';

/**
 * A board message of another protocol version after a fresh connection: the server runs a newer
 * (or older) Knockon than this page's bundle. Reloading fetches its bundle; once a minute at most.
 */
function reloadForVersion(): boolean {
  try {
    const last = Number(sessionStorage.getItem(RELOADED_KEY) ?? 0);
    if (Date.now() - last < RELOAD_GAP_MS) return false;
    sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
  } catch {
    return false;
  }
  location.reload();
  return true;
}

/**
 * Board messages from the headless server over Server-Sent Events. EventSource reconnects by
 * itself; the server sends a fresh snapshot on every connection, so nothing needs a click, and
 * that is also how a snapshot is asked for: after a missed message (the store says so) or one
 * of another protocol version, the stream is opened again.
 * The stream is read and parsed in a worker (`stream-worker.ts`), off the main thread; a big
 * snapshot arrives in slices of checks, each its own short task. Messages arriving in one
 * animation frame are applied as one batch.
 */
export function sseTransport(url = '/api/events'): Transport {
  return {
    name: 'sse',
    connect({ onMessages, onConnection }) {
      const worker = new Worker(new URL('./stream-worker.ts', import.meta.url), { type: 'module' });
      const send = (command: StreamCommand) => worker.postMessage(command);
      /** The stream opened last: what the worker says about earlier ones is dropped. */
      let stream = 0;
      let queue: BoardMessage[] = [];
      /** The slices of checks of the snapshot being received. */
      let slices: CheckView[][] = [];
      let frame = 0;
      let closed = false;
      let retry: ReturnType<typeof setTimeout> | null = null;
      /** Messages of another version since the stream last opened again for one. */
      let foreign = 0;
      const open = () => {
        retry = null;
        onConnection('connecting');
        queue = [];
        slices = [];
        holding = false;
        // The worker closes the stream it had.
        send({ open: url, stream: ++stream });
      };
      /** Messages wait while the board's first render after a snapshot is under way (below). */
      let holding = false;
      const flush = () => {
        frame = 0;
        if (holding) return;
        const batch = queue;
        queue = [];
        if (batch.length > 0 && !onMessages(batch)) open();
        else if (batch.some((m) => m.kind === 'snapshot')) holdUntilIdle();
      };
      // After a snapshot the views render the new board in a background render React
      // time-slices; a delta applied meanwhile would change what that render read, and React
      // would then finish it in one blocking pass. So later messages wait until the browser is
      // idle (the render done), a second at most, and are then applied together.
      const holdUntilIdle = () => {
        holding = true;
        const release = () => {
          holding = false;
          if (!closed && queue.length > 0 && frame === 0) frame = requestAnimationFrame(flush);
        };
        if (typeof requestIdleCallback === 'function') requestIdleCallback(release, { timeout: 1000 });
        else setTimeout(release, 0);
      };
      const receive = (event: StreamEvent) => {
        if (event.stream !== stream || closed) return;
        switch (event.kind) {
          case 'open':
            onConnection('live');
            return;
          case 'error':
            onConnection('lost');
            // A closed EventSource (e.g. after HTTP 503) never retries on its own: retry here.
            if (event.closed && !retry) retry = setTimeout(open, 2_000);
            return;
          case 'other-version':
            // First a fresh snapshot; if that is of another version too, the page is the old one.
            if (foreign++ === 0) open();
            else if (!reloadForVersion()) onConnection('lost');
            return;
          case 'checks':
            slices.push(event.checks);
            return;
          case 'message': {
            let { message } = event;
            if (event.sliced && message.kind === 'snapshot')
              message = { ...message, snapshot: { ...message.snapshot, checks: slices.flat() } };
            if (event.order && message.kind === 'snapshot') giveNameOrder(message.snapshot.checks, event.order);
            queue.push(message);
            slices = [];
            foreign = 0;
            if (frame === 0) frame = requestAnimationFrame(flush);
          }
        }
      };
      worker.onmessage = (event: MessageEvent<StreamEvent>) => receive(event.data);
      open();
      return () => {
        closed = true;
        if (retry) clearTimeout(retry);
        if (frame) cancelAnimationFrame(frame);
        worker.terminate();
      };
    },
    call: (method, params) => httpCall(method, params),
  };
}
