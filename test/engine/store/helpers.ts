import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { DB_FILE, HistoryStore, type HistoryStoreOptions } from '../../../src/engine/store/index.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';

/** A temp directory per test, removed afterwards: every test uses a real SQLite file. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'knockon-store-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** 2023-11-14T22:13:20Z: a whole minute is easier to reason about, so tests start on one. */
export const T0 = 1_700_000_040_000;

export function openStore(dataDir: string, clock: FakeClock, extra: Partial<HistoryStoreOptions> = {}) {
  const logs: { level: string; message: string }[] = [];
  const store = new HistoryStore({
    dataDir,
    clock,
    log: (level, message) => logs.push({ level, message }),
    ...extra,
  });
  return { store, logs };
}

export function result(checkId: string, startedAt: number, latencyMs: number | null, ok = true): ProbeResult {
  return {
    checkId,
    startedAt,
    ok,
    latencyMs,
    errorClass: ok ? null : 'connect_refused',
    message: ok ? 'HTTP 200' : 'connection refused',
  };
}

/** Rows of `sql` read from the database file at `path`, opened read-only for this one query. */
export function queryFile<T>(path: string, sql: string): T[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/**
 * A check's HTTP results every 10 s over [from, to): latency 20 to 28 ms with phases, and every
 * `failEvery`-th one (counting from `failAt`) a failure without latency.
 */
export function every10s(
  checkId: string,
  from: number,
  to: number,
  options: {
    vantage?: string;
    failEvery: number;
    failAt: number;
    phases: { connectMs: number; tlsMs: number; transferMs: number };
  },
): ProbeResult[] {
  const { vantage, failEvery, failAt, phases } = options;
  const out: ProbeResult[] = [];
  for (let t = from, i = 0; t < to; t += 10_000, i++) {
    const r: ProbeResult =
      i % failEvery === failAt
        ? result(checkId, t, null, false)
        : {
            ...result(checkId, t, 20 + (i % 9)),
            httpStatus: 200,
            phases: {
              dnsMs: 0.5,
              connectMs: phases.connectMs,
              tlsMs: phases.tlsMs,
              ttfbMs: 15 + (i % 9),
              transferMs: phases.transferMs,
            },
          };
    out.push(vantage ? { ...r, vantage } : r);
  }
  return out;
}

/**
 * A copy of a fixture database (test/fixtures/<name>) in a temp directory per test, for the
 * migration tests: `openAt` opens this store on it at a given time (closed after the test;
 * what it logs goes to `logs`), `query` and `n` read the file directly, read-only.
 */
export function fixtureCopy(name: string) {
  const fixture = new URL(`../../fixtures/${name}`, import.meta.url);
  let dir: ReturnType<typeof tempDir>;
  let path = '';
  const open: HistoryStore[] = [];
  const logs: string[] = [];
  beforeEach(() => {
    logs.length = 0;
    dir = tempDir();
    path = join(dir.path, DB_FILE);
    copyFileSync(fixture, path);
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    dir.remove();
  });
  const query = <T>(sql: string): T[] => queryFile<T>(path, sql);
  return {
    openAt(now: number): HistoryStore {
      const store = new HistoryStore({
        dataDir: dir.path,
        clock: new FakeClock(now),
        timers: false,
        log: (level, message) => logs.push(`${level} ${message}`),
      });
      open.push(store);
      return store;
    },
    query,
    n: (sql: string) => query<{ n: number }>(sql)[0]!.n,
    /** What the stores opened in this test logged, as `level message`. */
    logs,
  };
}
