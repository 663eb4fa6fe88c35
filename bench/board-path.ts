/**
 * node bench/board-path.ts [CAPTURE]: the board path of one delta, engine thread to SSE bytes,
 * in the forms it could take, on deltas captured from the vantages bench
 * (`BENCH_CAPTURE=FILE node bench/vantages.ts`, default /tmp/knockon-board-capture.ndjson:
 * the stream's first snapshot, then every message to the window's 80th delta).
 *
 * The messages before the last 80 deltas are applied to a LiveBoard first (so the patches apply
 * as they did in the centre); each variant then takes the last 80 deltas through, many rounds,
 * and reports this thread's CPU per delta on each side of the thread boundary. The boundary is
 * V8's serializer (`v8.serialize`/`deserialize`: what `postMessage` runs on each side):
 *
 *   clone       engine: serialize the object graph; host: deserialize, envelope check,
 *               LiveBoard.apply, the SSE frame (JSON.stringify + Buffer): the path before
 *   text        engine: JSON.stringify once, serialize a small envelope holding the text;
 *               host: deserialize, envelope check, the frame's bytes (Buffer.from): no parse, no apply
 *   text-apply  text, and the host parses the text and applies it to its LiveBoard (an eager host)
 *   deferred    text, and past four times the snapshot's text held back, the engine's board (as JSON,
 *               made in the engine) parsed by the host: the path as built, that answer's cost
 *               charged by the share of the bound the window's text takes
 *   bytes       engine: the frame's UTF-8 bytes made there (a Uint8Array, copied by the clone);
 *               host: deserialize, wrap as a Buffer
 */
import { readFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { LiveBoard } from '../src/shared/board-state.ts';
import { boardText, boardTextFits, isBoardMessage, isEngineEvent, type BoardMessage } from '../src/shared/protocol.ts';

const file = process.argv[2] ?? '/tmp/knockon-board-capture.ndjson';
const ROUNDS = Number(process.env.BOARD_PATH_ROUNDS ?? 20);
const lines = readFileSync(file, 'utf8').trim().split('\n');
// The envelope first, as the engine now orders it (captures from before put `v` and `seq` last).
const messages = lines.map((line) => {
  const { v, seq, kind, ...rest } = JSON.parse(line) as BoardMessage;
  return { v, seq, kind, ...rest } as BoardMessage;
});
const firstWindow = messages.length - 80;
if (firstWindow < 1 || messages[0]!.kind !== 'snapshot') throw new Error(`${file}: a snapshot and 80 deltas needed`);
const window = messages.slice(firstWindow);
const results = window.reduce((n, m) => n + (m.kind === 'delta' ? m.patches.length + m.checks.length : 0), 0);

function boardAtWindow(): LiveBoard {
  const board = new LiveBoard();
  for (const message of messages.slice(0, firstWindow)) board.apply(structuredClone(message));
  return board;
}

const cpu = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

type Side = { engine: number; host: number };
/** The deferred variant's held-back text, and the bound's base: the board's snapshot text at the window. */
let held = 0;
const snapshotChars = JSON.stringify(boardAtWindow().snapshotMessage()).length;
const frameOf = (text: string) => Buffer.from(`event: board\ndata: ${text}\n\n`);

const variants: Record<string, (board: LiveBoard, message: BoardMessage, side: Side, last: boolean) => number> = {
  clone(board, message, side) {
    let t = cpu();
    const wire = serialize(message);
    side.engine += cpu() - t;
    t = cpu();
    const copy = deserialize(wire) as BoardMessage;
    // What isEngineEvent checked of a board message before: its envelope.
    if (!isBoardMessage(copy)) throw new Error('envelope');
    board.apply(copy);
    const bytes = frameOf(JSON.stringify(copy));
    side.host += cpu() - t;
    return bytes.length;
  },
  text(_board, message, side) {
    let t = cpu();
    const wire = serialize(boardText(message));
    side.engine += cpu() - t;
    t = cpu();
    const copy = deserialize(wire) as unknown;
    if (!isEngineEvent(copy) || copy.kind !== 'board' || !boardTextFits(copy)) throw new Error('envelope');
    const bytes = frameOf(copy.text);
    side.host += cpu() - t;
    return bytes.length;
  },
  'text-apply'(board, message, side) {
    let t = cpu();
    const wire = serialize(boardText(message));
    side.engine += cpu() - t;
    t = cpu();
    const copy = deserialize(wire) as unknown;
    if (!isEngineEvent(copy) || copy.kind !== 'board' || !boardTextFits(copy)) throw new Error('envelope');
    const bytes = frameOf(copy.text);
    board.apply(JSON.parse(copy.text) as BoardMessage);
    side.host += cpu() - t;
    return bytes.length;
  },
  deferred(board, message, side, last) {
    // As built: text, and each time the held-back text passes four times the snapshot's, the
    // engine's board (its JSON made in the engine, parsed and applied by the host) replaces it.
    let t = cpu();
    const wire = serialize(boardText(message));
    side.engine += cpu() - t;
    t = cpu();
    const copy = deserialize(wire) as unknown;
    if (!isEngineEvent(copy) || copy.kind !== 'board' || !boardTextFits(copy)) throw new Error('envelope');
    const bytes = frameOf(copy.text);
    held += copy.text.length;
    side.host += cpu() - t;
    if (last) {
      // One answer of the engine's board, charged by the share of the bound this window's text
      // used (a window of 80 deltas is less than the bound of four snapshots).
      const share = held / (4 * snapshotChars);
      t = cpu();
      const state = serialize({ v: 1, kind: 'board-state', text: JSON.stringify(board.snapshotMessage()) });
      side.engine += (cpu() - t) * share;
      t = cpu();
      const answer = deserialize(state) as { text: string };
      new LiveBoard().apply(JSON.parse(answer.text) as BoardMessage);
      side.host += (cpu() - t) * share;
    }
    return bytes.length;
  },
  bytes(_board, message, side) {
    let t = cpu();
    const wire = serialize({ v: 1, seq: message.seq, kind: 'board', frame: frameOf(JSON.stringify(message)) });
    side.engine += cpu() - t;
    t = cpu();
    const copy = deserialize(wire) as { frame: Uint8Array };
    const bytes = Buffer.from(copy.frame.buffer, copy.frame.byteOffset, copy.frame.byteLength);
    side.host += cpu() - t;
    return bytes.length;
  },
};

const out: Record<string, { engine_ms: number; host_ms: number; per_1000_results_ms: number }> = {};
for (const [name, run] of Object.entries(variants)) {
  const runs: Side[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Each round from the board as it was before the window: the same patches on the same views.
    const board = boardAtWindow();
    const side = { engine: 0, host: 0 };
    held = 0;
    window.forEach((message, i) => run(board, message, side, i === window.length - 1));
    runs.push(side);
  }
  // The median round's sides (the first rounds warm the code up).
  const median = (pick: (s: Side) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const engine = median((s) => s.engine) / window.length;
  const host = median((s) => s.host) / window.length;
  out[name] = {
    engine_ms: Math.round(engine * 1000) / 1000,
    host_ms: Math.round(host * 1000) / 1000,
    per_1000_results_ms: Math.round(((engine + host) * window.length * 10_000) / results) / 10,
  };
}
const bytes = window.reduce((n, m) => n + JSON.stringify(m).length, 0) / window.length;
console.log(
  JSON.stringify({
    bench: 'board-path',
    deltas: window.length,
    results_per_delta: results / window.length,
    bytes_per_delta: Math.round(bytes),
    variants: out,
  }),
);
