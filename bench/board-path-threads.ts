/**
 * node bench/board-path-threads.ts [CAPTURE]: the last 80 deltas of a capture (see
 * bench/board-path.ts) through a real worker thread at the engine's pace, one every
 * DELTA_INTERVAL_MS, in each form, with each thread's whole CPU counted (process.threadCpuUsage
 * over the run, divided by the deltas): what a post costs beyond its serialiser (waking the other
 * thread, the message's allocation), which bench/board-path.ts's hot loops cannot see.
 *
 *   none   the worker posts a small message instead (a log line): what a post costs at this pace
 *   clone  the worker posts the object; the main thread checks the envelope, applies it to a
 *          LiveBoard and makes the SSE frame (JSON.stringify + Buffer): the path before
 *   text   the worker posts `boardText` (JSON made there); the main thread checks the wrapper and
 *          the text's envelope, makes the frame from the text and defers it: the path as built
 *          (without the engine's board every 30 s: see bench/board-path.ts, `deferred`)
 */
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DeferredBoard } from '../src/engine/deferred-board.ts';
import { LiveBoard } from '../src/shared/board-state.ts';
import {
  boardText,
  boardTextFits,
  DELTA_INTERVAL_MS,
  isBoardMessage,
  isEngineEvent,
  type BoardMessage,
} from '../src/shared/protocol.ts';

type Variant = 'none' | 'clone' | 'text';
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

if (!isMainThread) {
  const { window, variant } = workerData as { window: BoardMessage[]; variant: Variant };
  const port = parentPort!;
  const t0 = cpuMs();
  let i = 0;
  const timer = setInterval(() => {
    const message = window[i++]!;
    if (variant === 'none') port.postMessage({ v: 1, seq: message.seq, kind: 'log', level: 'info', message: '' });
    else port.postMessage(variant === 'clone' ? message : boardText(message));
    if (i === window.length) {
      clearInterval(timer);
      port.postMessage({ done: cpuMs() - t0 });
    }
  }, DELTA_INTERVAL_MS);
} else {
  const file = process.argv[2] ?? '/tmp/knockon-board-capture.ndjson';
  const messages = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { v, seq, kind, ...rest } = JSON.parse(line) as BoardMessage;
      return { v, seq, kind, ...rest } as BoardMessage;
    });
  const firstWindow = messages.length - 80;
  const window = messages.slice(firstWindow);
  const results = window.reduce((n, m) => n + (m.kind === 'delta' ? m.patches.length + m.checks.length : 0), 0);
  const out: Record<string, { engine_ms: number; host_ms: number; per_1000_results_ms: number }> = {};
  for (const variant of (process.env.BOARD_PATH_VARIANTS?.split(',') ?? [
    'none',
    'clone',
    'text',
    'none',
    'clone',
    'text',
  ]) as Variant[]) {
    const live = new LiveBoard();
    const deferred = new DeferredBoard();
    for (const m of messages.slice(0, firstWindow)) {
      live.apply(m);
      deferred.apply(m);
    }
    let bytes = 0;
    const worker = new Worker(new URL(import.meta.url), { workerData: { window, variant } });
    await new Promise<void>((resolve) => worker.once('online', () => resolve()));
    const t0 = cpuMs();
    const engineMs = await new Promise<number>((resolve) => {
      worker.on('message', (event: unknown) => {
        if (typeof event === 'object' && event !== null && 'done' in event) return resolve(event.done as number);
        if (variant === 'none') bytes += 1;
        else if (variant === 'clone') {
          if (!isBoardMessage(event)) throw new Error('envelope');
          live.apply(event);
          bytes += Buffer.from(`event: board\ndata: ${JSON.stringify(event)}\n\n`).length;
        } else {
          if (!isEngineEvent(event) || event.kind !== 'board' || !boardTextFits(event)) throw new Error('envelope');
          bytes += Buffer.from(`event: board\ndata: ${event.text}\n\n`).length;
          deferred.defer(event.seq, event.text);
        }
      });
    });
    const hostMs = cpuMs() - t0;
    await worker.terminate();
    const round = (n: number) => Math.round(n * 1000) / 1000;
    const name = out[variant] ? `${variant} (again)` : variant;
    out[name] = {
      engine_ms: round(engineMs / window.length),
      host_ms: round(hostMs / window.length),
      per_1000_results_ms: Math.round(((engineMs + hostMs) / results) * 10_000) / 10,
    };
    if (bytes === 0) throw new Error('nothing framed');
  }
  console.log(JSON.stringify({ bench: 'board-path-threads', deltas: window.length, variants: out }));
}
