import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../src/engine/store/history-store.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { result, tempDir } from './helpers.ts';

describe('history files are private to the user running the engine', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('creates the data directory 0700 and the database with its WAL and SHM 0600', () => {
    const { path, remove } = tempDir();
    cleanups.push(remove);
    const dataDir = join(path, 'data');
    const store = new HistoryStore({ dataDir, clock: new FakeClock(), timers: false });
    store.record(result('a', 1_700_000_040_000, 5));
    store.flush();
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'knockon.db'))).toBe(0o600);
    expect(mode(join(dataDir, 'knockon.db-wal'))).toBe(0o600);
    expect(mode(join(dataDir, 'knockon.db-shm'))).toBe(0o600);
    store.close();
  });
});
