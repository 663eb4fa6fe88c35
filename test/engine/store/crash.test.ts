import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/engine/clock.ts';
import { DB_FILE, HistoryStore } from '../../../src/engine/store/index.ts';
import { tempDir } from './helpers.ts';

const writer = fileURLToPath(new URL('../../support/store-writer.ts', import.meta.url));
/** Kill once this many results are committed: well into the run, while batches are being written. */
const KILL_AFTER = 50_000;
/** The writer's result i starts at this + i (test/support/store-writer.ts). */
const WRITER_BASE_TIME = 1_700_000_000_000;

describe('history store crash safety', () => {
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(() => dir.remove());

  it('loses nothing it reported written when the process is killed with SIGKILL mid-write', async () => {
    const child = spawn(process.execPath, [writer, dir.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    let flushed = 0;
    const incidents: string[] = [];
    let killed = false;
    // Every line read, even one read after the kill, was written by the child after its commit.
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, value] = line.split(' ');
      if (word === 'flushed') flushed = Math.max(flushed, Number(value));
      if (word === 'incident') incidents.push(value!);
      // "writing" is printed as a batch's transaction begins: the kill lands in the middle of it.
      if (!killed && word === 'writing' && flushed >= KILL_AFTER) killed = child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    expect(flushed).toBeGreaterThanOrEqual(KILL_AFTER);

    // Killed, not closed: the write-ahead log is still there for the next open to recover.
    expect(statSync(join(dir.path, `${DB_FILE}-wal`)).size).toBeGreaterThan(0);
    const db = new DatabaseSync(join(dir.path, DB_FILE));
    expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    const stored = db
      .prepare('SELECT count(*) AS n, count(DISTINCT started_at) AS distinct_n FROM results WHERE started_at < ?')
      .get(WRITER_BASE_TIME + flushed) as { n: number; distinct_n: number };
    expect(stored).toEqual({ n: flushed, distinct_n: flushed });
    db.close();

    // The store itself opens the file cleanly, with every reported incident and its event.
    const store = new HistoryStore({ dataDir: dir.path, clock: systemClock, timers: false });
    const loaded = new Map(store.loadIncidents({ limit: 1_000_000 }).map((i) => [i.id, i]));
    for (const id of incidents) expect(loaded.get(id)?.events.map((e) => e.message)).toEqual([`detected ${id}`]);
    store.close();
  });
});
