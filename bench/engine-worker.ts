/**
 * The benchmark's engine, in a worker thread as in the product (see EngineHost): applies the
 * config, lets one interval pass as warm-up, then counts results for the measured window and
 * samples the scheduler's lag often enough to cover every probe start.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../src/engine/clock.ts';
import { parseConfigText } from '../src/engine/config/parse.ts';
import { Engine } from '../src/engine/engine.ts';
import { installModules } from '../src/engine/modules.ts';
import { RpcRegistry } from '../src/engine/rpc.ts';
import type { Actor } from '../src/shared/actor.ts';

export interface BenchWorkerInput {
  configText: string;
  warmupMs: number;
  measureMs: number;
  sampleEveryMs: number;
  /** Where the history store writes; null runs the bare engine without its modules. */
  dataDir: string | null;
  /**
   * Checks with a month of history (bench/engine-seed.ts) to query through the board's RPC in a
   * loop over the measured window, one at a time: a 30 d series (300 points) and a 30 d
   * availability of `c0`, `c1`… in turn; 0 for no query load.
   */
  queryChecks: number;
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
      /** Measured latency of each successful probe in the window, ms. */
      latencies: number[];
      /** Duration of each query of the query loop (series and availability together), ms. */
      queryMs: number[];
      /** The engine thread's event-loop delay over the window (how long it was held), ms. */
      loopDelay: { p50: number; p99: number; max: number };
      /** Engine-thread time of each module-state write (a failover step's; one every 200 ms), ms. */
      durableMs: number[];
      /** From each module-state write to the moment it may be acted on (committed), ms. */
      durableWrittenMs: number[];
      /** Engine-thread time of each incident write (header and event, one every 200 ms), ms. */
      incidentMs: number[];
      /** From each incident write to the moment it may be shown (committed), ms. */
      incidentShownMs: number[];
      delayedByLimit: number;
    };

const input = workerData as BenchWorkerInput;
const port = parentPort!;
const outcome = parseConfigText(input.configText, 'bench');
if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues.slice(0, 3)));

let measuring = false;
let probes = 0;
let messages = 0;
const latencies: number[] = [];
const failures: Record<string, number> = {};
const engine = new Engine({
  clock: systemClock,
  emit: () => void messages++,
  onResult: (result) => {
    if (!measuring) return;
    probes++;
    if (result.ok && result.latencyMs !== null) latencies.push(result.latencyMs);
    if (!result.ok) failures[result.errorClass ?? '?'] = (failures[result.errorClass ?? '?'] ?? 0) + 1;
  },
});
const rpc = new RpcRegistry();
const store =
  input.dataDir === null ? null : (await installModules({ engine, rpc, dataDir: input.dataDir, log: () => {} })).store;
const durableMs: number[] = [];
const durableWrittenMs: number[] = [];
const incidentMs: number[] = [];
const incidentShownMs: number[] = [];
/**
 * Runs `show` once the incident writes so far are committed: the store's afterWritten, or at
 * once on a store whose incident writes are durable on return (this bench also runs on a tree
 * from before incidents moved to the store thread, for before/after figures).
 */
const afterWritten = (show: () => void): void => {
  const after = (store as { afterWritten?: (show: () => void) => void } | null)?.afterWritten;
  if (after) after.call(store, show);
  else show();
};
let benchIncidents = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

const viewer: Actor = { id: 'bench:viewer', name: 'bench', via: 'ipc', role: 'viewer' };
const queryMs: number[] = [];

/** The board's heaviest chart queries, one after another, as long as `running()`. */
async function queryLoop(running: () => boolean): Promise<void> {
  for (let i = 0; running(); i++) {
    const checkId = `c${i % input.queryChecks}`;
    const started = performance.now();
    await rpc.dispatch('history.series', { checkId, range: '30d', points: 300 }, viewer);
    await rpc.dispatch('history.availability', { checkId, range: '30d' }, viewer);
    queryMs.push(performance.now() - started);
    // A browser's next request arrives as a new macrotask, never in the same turn.
    await new Promise((resolve) => setImmediate(resolve));
  }
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
  const queries = input.queryChecks > 0 ? queryLoop(() => measuring) : Promise.resolve();
  loopDelay.enable();
  // A failover step's audit or an incident's header: small, durable (fsynced) before it is shown.
  const durableWrites = store
    ? setInterval(() => {
        const started = performance.now();
        store.saveState('bench:durable', { at: Date.now() });
        durableMs.push(performance.now() - started);
        // Acted on once written, as a failover step's webhook is (at once where saveState is durable on return).
        afterWritten(() => durableWrittenMs.push(performance.now() - started));
        // An incident opened, as the knock-on module writes it: its header and an event, then
        // published once written.
        const at = Date.now();
        const id = `bench-${++benchIncidents}`;
        const opened = performance.now();
        store.saveIncident({
          id,
          title: 'bench',
          severity: 'warning',
          state: 'open',
          rootCause: { kind: 'check', id: 'c0', name: 'c0' },
          impacted: [],
          openedAt: at,
          detectedAt: at,
          resolvedAt: null,
          acknowledged: null,
          events: [],
          mttdMs: 0,
          mttrMs: null,
          silencedUntil: null,
          mergedInto: null,
        });
        store.appendIncidentEvent(id, { at, kind: 'detected', message: 'bench' });
        afterWritten(() => incidentShownMs.push(performance.now() - opened));
        incidentMs.push(performance.now() - opened);
      }, 200)
    : null;
  setTimeout(async () => {
    clearInterval(sampler);
    if (durableWrites) clearInterval(durableWrites);
    loopDelay.disable();
    measuring = false;
    const stats = engine.schedulerStats();
    lagP99s.push(stats.lagP99);
    const histogram = engine.schedulerLagHistogram().map((n, i) => n - histogram0[i]!);
    await queries;
    port.postMessage({
      kind: 'done',
      probes,
      failures,
      messages,
      lagHistogram: histogram,
      lagP99s,
      latencies,
      queryMs,
      loopDelay: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
      durableMs,
      durableWrittenMs,
      incidentMs,
      incidentShownMs,
      delayedByLimit: stats.delayedByLimit - delayed0,
    } satisfies BenchWorkerEvent);
    void engine.stop().then(() => port.close());
  }, input.measureMs);
}, input.warmupMs);
