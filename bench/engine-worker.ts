/**
 * The benchmark's engine, in a worker thread as in the product (see EngineHost): applies the
 * config, lets one interval pass as warm-up, then counts results for the measured window and
 * samples the scheduler's lag often enough to cover every probe start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../src/engine/clock.ts';
import { parseConfigText } from '../src/engine/config/parse.ts';
import { Engine } from '../src/engine/engine.ts';
import { installModules } from '../src/engine/modules.ts';
import { RpcRegistry } from '../src/engine/rpc.ts';

export interface BenchWorkerInput {
  configText: string;
  warmupMs: number;
  measureMs: number;
  sampleEveryMs: number;
  /** Where the history store writes; null runs the bare engine without its modules. */
  dataDir: string | null;
}

export type BenchWorkerEvent =
  | { kind: 'measuring' }
  | {
      kind: 'done';
      probes: number;
      failures: Record<string, number>;
      messages: number;
      /** Start lags per millisecond over the measured window (last bin: beyond a second). */
      lagHistogram: number[];
      /** The scheduler's own p99 over its last 4,096 starts, sampled through the window. */
      lagP99s: number[];
      delayedByLimit: number;
    };

const input = workerData as BenchWorkerInput;
const port = parentPort!;
const outcome = parseConfigText(input.configText, 'bench');
if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues.slice(0, 3)));

let measuring = false;
let probes = 0;
let messages = 0;
const failures: Record<string, number> = {};
const engine = new Engine({
  clock: systemClock,
  emit: () => void messages++,
  onResult: (result) => {
    if (!measuring) return;
    probes++;
    if (!result.ok) failures[result.errorClass ?? '?'] = (failures[result.errorClass ?? '?'] ?? 0) + 1;
  },
});
if (input.dataDir !== null) {
  await installModules({ engine, rpc: new RpcRegistry(), dataDir: input.dataDir, log: () => {} });
}
engine.applyConfig(outcome.config, 'bench');

setTimeout(() => {
  measuring = true;
  messages = 0;
  const delayed0 = engine.schedulerStats().delayedByLimit;
  const histogram0 = engine.schedulerLagHistogram();
  const lagP99s: number[] = [];
  port.postMessage({ kind: 'measuring' } satisfies BenchWorkerEvent);
  const sampler = setInterval(() => {
    lagP99s.push(engine.schedulerStats().lagP99);
  }, input.sampleEveryMs);
  setTimeout(() => {
    clearInterval(sampler);
    measuring = false;
    const stats = engine.schedulerStats();
    lagP99s.push(stats.lagP99);
    const histogram = engine.schedulerLagHistogram().map((n, i) => n - histogram0[i]!);
    port.postMessage({
      kind: 'done',
      probes,
      failures,
      messages,
      lagHistogram: histogram,
      lagP99s,
      delayedByLimit: stats.delayedByLimit - delayed0,
    } satisfies BenchWorkerEvent);
    void engine.stop().then(() => port.close());
  }, input.measureMs);
}, input.warmupMs);
