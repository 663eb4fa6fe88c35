/**
 * npm run bench: every benchmark in turn (engine, store, vantages, the sync's floor, a thread's wake, metrics, remote write, UI), each printing its own JSON lines,
 * then one summary line {"bench":"all",...} saying which ran and which failed.
 * The UI benchmark needs a build (npm run build) and Chromium; it reports its own absence.
 */
import { spawnSync } from 'node:child_process';

const benches = ['engine', 'store', 'vantages', 'sync-floor', 'thread-wake', 'metrics', 'remote-write', 'ui'] as const;
const outcome: Record<string, 'ok' | 'failed'> = {};
for (const name of benches) {
  console.error(`\n=== bench:${name}`);
  const run = spawnSync(process.execPath, [`bench/${name}.ts`], { stdio: 'inherit' });
  outcome[name] = run.status === 0 ? 'ok' : 'failed';
}
console.log(JSON.stringify({ bench: 'all', ...outcome }));
process.exit(Object.values(outcome).every((o) => o === 'ok') ? 0 : 1);
