/**
 * node bench/store-hour.ts: what the store pays to close an hour, per 1,000 results of it.
 *
 * An hour of results at 600 a second (2,000 checks from three vantages, bench/http-results.ts)
 * is written into a real file, a minute at a time in key order, as the store's minute moves
 * leave them (staging.ts), and its minutes are rolled up as maintenance does while the hour is
 * open. Then the hour closes: maintenance runs at 30 s past its end until it has nothing left
 * (the last ten minutes' minute rollups, the hour's rollup and its sealing into chunks, pruning).
 * That close is what this bench measures, on this thread (user + system CPU), with the bytes the
 * process wrote meanwhile (/proc/self/io wchar: the WAL, the checkpoints). It is the part of
 * bench/store-rows.ts's hour (the whole store, its writes included) that happens once an hour,
 * alone, in under a minute: two versions of the store (the other in a git worktree) compare in
 * a few alternated runs. The bytes written are the same from run to run; the CPU varies by a
 * tenth or more on the bench machine. One JSON line per round.
 *
 * Environment: HOUR_ROUNDS (1: each round a new file), HOUR_CHECKS (2000).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/engine/clock.ts';
import { HistoryStore } from '../src/engine/store/index.ts';
import type { ProbeResult } from '../src/shared/model.ts';
import { HttpResults } from './http-results.ts';

const HOUR = 3_600_000;
const PER_S = 600;
const CHECKS = Number(process.env.HOUR_CHECKS ?? 2_000);
const ROUNDS = Number(process.env.HOUR_ROUNDS ?? 1);
const VANTAGES = ['sg', 'tyo', 'fra'];

const threadCpuS = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1e6;
};
/** Bytes this process has written through write(2) and its kin (Linux). */
const writtenBytes = () => Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);

function round(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'knockon-store-hour-'));
  const store = new HistoryStore({ dataDir: dir, clock: systemClock, timers: false });
  try {
    const gen = new HttpResults(1_000);
    // A whole hour, three hours ago: within raw retention, never pruned here.
    const h = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const total = PER_S * 3_600;
    for (let from = 0; from < total; from += PER_S * 60) {
      const minute: { key: number; result: ProbeResult }[] = [];
      for (let n = from; n < from + PER_S * 60; n++) {
        const c = n % CHECKS;
        const v = Math.floor(n / CHECKS) % VANTAGES.length;
        const t = h + Math.floor((n * 1_000) / PER_S);
        // Keys are handed out in the first minute's order, vantage by vantage: this is key order.
        minute.push({ key: v * CHECKS + c, result: { ...gen.next(c % 1_000, t, `c${c}`), vantage: VANTAGES[v]! } });
      }
      minute.sort((a, b) => a.key - b.key || a.result.startedAt - b.result.startedAt);
      store.importResults(minute.map((m) => m.result));
      // Its minutes rolled up as the hour goes (ten at a time, once ten have closed).
      while (store.maintain(h + ((from + PER_S * 60) / PER_S) * 1_000, 20));
    }
    const cpu0 = threadCpuS();
    const bytes0 = writtenBytes();
    let steps = 0;
    while (store.maintain(h + HOUR + 30_000, 20)) steps++;
    const cpu = threadCpuS() - cpu0;
    return {
      bench: 'store-hour',
      results: total,
      close_cpu_s: Number(cpu.toFixed(2)),
      close_cpu_s_per_1000_results: Number(((cpu / total) * 1_000).toFixed(4)),
      close_written_mb: Math.round((writtenBytes() - bytes0) / 1e6),
      close_steps: steps + 1,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let i = 0; i < ROUNDS; i++) console.log(JSON.stringify(round()));
