/**
 * The board's event stream, read off the page's main thread: this dedicated worker owns the
 * EventSource and parses each message (a 10,000-check snapshot is megabytes of JSON, a long
 * task on the main thread), then posts it on. A snapshot's checks go in slices before the rest
 * of it, so the page takes each in its own short task (a structured clone's copy is paid where
 * it is received). What to do with the messages (batching per frame, reopening, versions) stays
 * with the page (`sse-client.ts`).
 */
import { isBoardMessage, isOtherVersion, type BoardMessage } from '../../../shared/protocol.ts';
import type { CheckView } from '../../../shared/model.ts';
import { nameOrder } from '../grid-layout.ts';

/** Page -> worker: open the stream at `url` (closing any other), numbered `stream`. The page ends it by terminating the worker. */
export type StreamCommand = { open: string; stream: number };

/** Worker -> page, each about the stream numbered `stream`. */
export type StreamEvent = { stream: number } & (
  | { kind: 'open' }
  | { kind: 'error'; closed: boolean }
  | { kind: 'other-version' }
  /** Checks of the snapshot that follows, in order. */
  | { kind: 'checks'; checks: CheckView[] }
  /**
   * A board message; a snapshot's checks are then the slices posted before it, when `sliced`,
   * and `order` their positions in name order (`nameOrder`, for the grid).
   */
  | { kind: 'message'; message: BoardMessage; sliced: boolean; order?: Int32Array }
);

/** Checks per slice: a slice's copy into the page stays well within a frame on a slow machine. */
export const SNAPSHOT_SLICE = 500;

const scope = globalThis as unknown as {
  postMessage(event: StreamEvent): void;
  onmessage: ((event: MessageEvent<StreamCommand>) => void) | null;
};

let source: EventSource | null = null;

function open(url: string, stream: number): void {
  source?.close();
  const opened = new EventSource(url);
  source = opened;
  opened.addEventListener('board', (event) => {
    let data: unknown;
    try {
      data = JSON.parse((event as MessageEvent<string>).data);
    } catch {
      return;
    }
    if (isOtherVersion(data)) scope.postMessage({ stream, kind: 'other-version' });
    else if (isBoardMessage(data)) post(stream, data);
  });
  opened.onopen = () => scope.postMessage({ stream, kind: 'open' });
  opened.onerror = () => {
    const closed = opened.readyState === EventSource.CLOSED;
    if (closed && source === opened) source = null;
    scope.postMessage({ stream, kind: 'error', closed });
  };
}

function post(stream: number, message: BoardMessage): void {
  const checks = message.kind === 'snapshot' ? message.snapshot.checks : null;
  if (message.kind !== 'snapshot' || !Array.isArray(checks)) {
    scope.postMessage({ stream, kind: 'message', message, sliced: false });
    return;
  }
  // The grid's name order, sorted here rather than on the page's first render.
  const order = nameOrder(checks);
  if (checks.length <= SNAPSHOT_SLICE) {
    scope.postMessage({ stream, kind: 'message', message, sliced: false, order });
    return;
  }
  for (let i = 0; i < checks.length; i += SNAPSHOT_SLICE)
    scope.postMessage({ stream, kind: 'checks', checks: checks.slice(i, i + SNAPSHOT_SLICE) });
  const rest: BoardMessage = { ...message, snapshot: { ...message.snapshot, checks: [] } };
  scope.postMessage({ stream, kind: 'message', message: rest, sliced: true, order });
}

scope.onmessage = ({ data }) => open(data.open, data.stream);
