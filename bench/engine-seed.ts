/**
 * A month of history for bench:engine's query load: checks `c0`… (the engine bench's own ids),
 * the last 7 days one result per check every 5 minutes, the 23 before every 30 minutes (the
 * shape of bench:store's month), loaded through the bulk path and rolled up by the store's own
 * maintenance. Built once into a temp directory named for the schema version and the check
 * count, then copied into each run's data directory (building it takes minutes).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/engine/clock.ts';
import { SCHEMA_VERSION } from '../src/engine/store/migrations.ts';
import { DB_FILE, HistoryStore } from '../src/engine/store/index.ts';
import type { ProbeResult } from '../src/shared/model.ts';
import { HttpResults } from './http-results.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function build(dir: string, checks: number, now: number): void {
  const gen = new HttpResults(checks);
  const store = new HistoryStore({ dataDir: dir, clock: systemClock, timers: false, queueLimit: 1_000_000 });
  try {
    for (let t = now - 30 * DAY; t < now; t += HOUR) {
      const every = t < now - 7 * DAY ? 30 * MIN : 5 * MIN;
      const hour: ProbeResult[] = [];
      for (let s = t; s < Math.min(t + HOUR, now); s += every) {
        for (let c = 0; c < checks; c++) hour.push(gen.next(c, s + c * 250, `c${c}`));
      }
      store.importResults(hour);
    }
    while (store.maintain(now, 1_000));
  } finally {
    store.close();
  }
}

/** Copies a month of `checks` checks' history into `dataDir` (building it first if needed). */
export function seedMonth(dataDir: string, checks: number): void {
  const seedDir = join(tmpdir(), `knockon-bench-month-v${SCHEMA_VERSION}-${checks}`);
  const seedFile = join(seedDir, DB_FILE);
  if (!existsSync(seedFile)) {
    const building = `${seedDir}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    const started = performance.now();
    build(building, checks, Math.floor(Date.now() / MIN) * MIN);
    rmSync(seedDir, { recursive: true, force: true });
    renameSync(building, seedDir);
    console.error(`seeded a month of ${checks} checks in ${Math.round((performance.now() - started) / 1000)} s`);
  }
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(seedFile, join(dataDir, DB_FILE));
}
