import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host.ts';
import { startBoardServer, type RunningBoardServer } from '../../src/server/board-server.ts';
import { followsOn, LiveBoard } from '../../src/shared/board-state.ts';
import { isBoardMessage, type BoardMessage } from '../../src/shared/protocol.ts';
import { HttpTarget } from '../support/http-target.ts';
import { Changes } from '../support/wait.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);

/** A board stream's client, as the browser's: each frame's data, parsed, checked and applied in order. */
class StreamClient {
  readonly board = new LiveBoard();
  readonly data: string[] = [];
  readonly messages: BoardMessage[] = [];
  private readonly changes = new Changes();
  private readonly controller = new AbortController();
  /** After each message applied (in the same tick as its receipt). */
  onMessage: (client: StreamClient) => void = () => {};

  constructor(url: string) {
    void this.read(new URL('/api/events', url));
  }

  private async read(url: URL): Promise<void> {
    const res = await fetch(url, { signal: this.controller.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          if (!frame.startsWith('event: board\ndata: ')) continue;
          const data = frame.slice('event: board\ndata: '.length);
          const message: unknown = JSON.parse(data);
          if (!isBoardMessage(message)) throw new Error(`not a board message: ${data.slice(0, 100)}`);
          if (!followsOn(this.messages.length === 0 ? null : this.board.seq(), message)) {
            throw new Error(`message ${message.seq} does not follow ${this.board.seq()}`);
          }
          this.data.push(data);
          this.messages.push(message);
          this.board.apply(message);
          this.onMessage(this);
          this.changes.notify();
        }
      }
    } catch (error) {
      if (!this.controller.signal.aborted) throw error;
    }
  }

  until<T>(what: string, test: () => T | undefined | null | false): Promise<T> {
    return this.changes.until(what, test, 15_000);
  }

  close(): void {
    this.controller.abort();
  }
}

describe('the board path: the engine serialises, the host forwards, and applies only when asked', () => {
  let dir: string;
  let host: EngineHost;
  let target: HttpTarget;
  let server: RunningBoardServer;
  const clients: StreamClient[] = [];

  const start = async (deferredBytes?: number) => {
    host = new EngineHost({
      workerPath,
      configPath: join(dir, 'knockon.yaml'),
      ...(deferredBytes !== undefined ? { deferredBytes } : {}),
    });
    host.start();
    await host.ready();
    server = await startBoardServer({ source: host, staticDir: dir, port: 0, token: 'sekret' });
  };
  const client = () => {
    const made = new StreamClient(server.url);
    clients.push(made);
    return made;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-board-text-'));
    target = await new HttpTarget().start();
    const checks = Array.from(
      { length: 6 },
      (_, i) => `  - { id: c${i}, type: http, url: "${target.url}/health?c=${i}" }`,
    ).join('\n');
    await writeFile(
      join(dir, 'knockon.yaml'),
      `defaults: { interval: 200ms, timeout: 150ms, fall: 2, rise: 1 }\nchecks:\n${checks}\n`,
    );
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    await host.stop();
    await target.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the engine's own text to every client, and its board, asked for, is theirs", async () => {
    await start();
    const texts = new Map<number, string>();
    host.subscribeText((m) => texts.set(m.seq, m.text));
    const a = client();
    // Each time the client has caught up with the host, the host's board (deferred deltas applied
    // now) must be the one the client built from the stream.
    let compared = 0;
    a.onMessage = (c) => {
      if (c.board.seq() !== host.seq() || c.messages.length < 2) return;
      expect(host.current()).toEqual(c.board.current());
      compared++;
    };
    await a.until('every check up', () => a.board.current()?.checks.every((c) => c.status === 'up'));
    await a.until('several deltas compared', () => compared >= 3 && a.messages.length >= 6);
    // After the snapshot, the bytes of each message are the engine's text, unchanged.
    const forwarded = a.messages.slice(1).map((m, i) => [texts.get(m.seq), a.data[i + 1]]);
    expect(forwarded.length).toBeGreaterThan(4);
    for (const [engine, wire] of forwarded) expect(wire).toBe(engine);

    // A client joining now starts from a snapshot numbered as the host's last message, then follows on.
    const b = client();
    await b.until('a snapshot and two deltas', () => b.messages.length >= 3);
    expect(b.messages[0]!.kind).toBe('snapshot');
    const seq = b.board.seq();
    await a.until('the first client at the same message', () => a.board.seq() >= seq);
    const atSeq = new LiveBoard();
    for (const m of a.messages) if (m.seq <= seq) atSeq.apply(m);
    expect(b.board.current()).toEqual(atSeq.current());
    expect(host.boardResets()).toBe(0);
  });

  it("replaces deltas held back past its bound with the engine's board, and still agrees with the clients", async () => {
    // Every delta is past a bound of one character: the host asks the engine for its board each time.
    await start(1);
    const a = client();
    let compared = 0;
    a.onMessage = (c) => {
      if (c.board.seq() !== host.seq() || c.messages.length < 2) return;
      expect(host.current()).toEqual(c.board.current());
      compared++;
    };
    await a.until('every check up', () => a.board.current()?.checks.every((c) => c.status === 'up'));
    await a.until('the engine asked, and compared', () => host.boardResets() >= 3 && compared >= 3);
    // A late joiner's snapshot comes from the engine's board as the host last had it.
    const b = client();
    await b.until('a snapshot and a delta', () => b.messages.length >= 2);
    await a.until('the first client at the same message', () => a.board.seq() >= b.board.seq());
    const atSeq = new LiveBoard();
    for (const m of a.messages) if (m.seq <= b.board.seq()) atSeq.apply(m);
    expect(b.board.current()).toEqual(atSeq.current());
  });
});
