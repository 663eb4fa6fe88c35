/**
 * npm run bench:engine [-- --duration 40 --checks 5000 --interval 10s --ports 8 --bare --query-checks 200]
 *
 * Runs the real engine (scheduler, HTTP probes on fresh connections, status rules, batching,
 * and its modules: the history store on a temp directory, knock-on analysis, failover; --bare
 * leaves the modules out)
 * in a worker thread with the product's resource limits, against a target farm in a separate
 * process on loopback, and prints one JSON line per scenario. Without --checks, runs the two
 * scenarios of the issue: 5,000 checks at 10 s, then 1,000 checks at 1 s. The first interval
 * (at most a third of --duration) is warm-up; figures cover the rest. CPU and RSS are the
 * whole process's: engine thread, main thread and Node itself, not the targets.
 *
 * --query-checks N starts each run's store with a month of history for checks c0…c(N-1)
 * (bench/engine-seed.ts) and, through the measured window, asks the board's heaviest chart
 * queries in a loop (a 30 d series and a 30 d availability of each check in turn, one at a
 * time, through the engine's RPC): lag and measured latency then show what the queries cost
 * the probes. With the modules, every run also reports the engine thread's event-loop delay
 * (how long the thread was held at a time), a module-state write made every 200 ms (as a
 * failover step is written): its time on the engine thread and the time until it may be acted on
 * (committed), and, as often, an incident write (header and event): its time on the engine
 * thread and the time until it may be shown (committed: at once when written on the engine
 * thread, else the store thread's acknowledgement).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { parseDuration } from '../src/shared/config/duration.ts';
import { ENGINE_RESOURCE_LIMITS } from '../src/engine/worker-limits.ts';
import type { BenchWorkerEvent, BenchWorkerInput } from './engine-worker.ts';
import { DATA_TYPES, startDataTargets, type DataType } from './data-targets.ts';
import { seedMonth } from './engine-seed.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '40' },
    checks: { type: 'string' },
    interval: { type: 'string', default: '10s' },
    ports: { type: 'string', default: '8' },
    /** Run the bare engine, without the history store, knock-on analysis and failover. */
    bare: { type: 'boolean', default: false },
    /** http (the target farm), or a data-tier type against real servers: 500 checks at 10 s by default. */
    type: { type: 'string', default: 'http' },
    /** Seed a month of history for this many checks and query it through the window (0: none). */
    'query-checks': { type: 'string', default: '0' },
  },
});
const queryChecks = Number(values['query-checks']);
if (queryChecks > 0 && values.bare) throw new Error('--query-checks needs the history store: not with --bare');
const durationMs = Number(values.duration) * 1000;
const dataType = values.type === 'http' ? null : (values.type as DataType);
if (dataType !== null && !DATA_TYPES.includes(dataType)) throw new Error(`--type: http or ${DATA_TYPES.join(', ')}`);
const scenarios = values.checks
  ? [{ checks: Number(values.checks), intervalMs: parseDuration(values.interval!)! }]
  : dataType !== null
    ? [{ checks: 500, intervalMs: 10_000 }]
    : [
        { checks: 5_000, intervalMs: 10_000 },
        { checks: 1_000, intervalMs: 1_000 },
      ];

async function startFarm(count: number) {
  const farm = spawn(process.execPath, [new URL('./target-farm.ts', import.meta.url).pathname, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    farm.once('exit', (code) => reject(new Error(`target farm exited with ${code}`)));
    createInterface({ input: farm.stdout! }).once('line', resolve);
  });
  return { ports: (JSON.parse(line) as { ports: number[] }).ports, stop: () => farm.kill() };
}

/** The lag in whole ms below which a fraction p of the starts fell. */
function histogramPercentile(histogram: number[], p: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms]!;
    if (seen >= p * total) return ms;
  }
  return histogram.length - 1;
}

/** The value below which a fraction p of `values` fell (p = 1: the largest), to 0.1 ms. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Connections the servers hold, sampled each second over the measured window. */
interface ConnectionSampler {
  count(): Promise<number>;
}

async function runScenario(
  makeCheck: (i: number) => Record<string, unknown>,
  checks: number,
  intervalMs: number,
  servers: ConnectionSampler | null = null,
) {
  const configText = JSON.stringify({
    defaults: { interval: `${intervalMs}ms`, timeout: `${Math.min(intervalMs, 5_000)}ms` },
    engine: { max_in_flight: 256 },
    checks: Array.from({ length: checks }, (_, i) => makeCheck(i)),
  });
  const warmupMs = Math.min(intervalMs, durationMs / 3);
  const probesPerS = checks / (intervalMs / 1000);
  const input: BenchWorkerInput = {
    configText,
    warmupMs,
    measureMs: durationMs - warmupMs,
    // The scheduler keeps lag over its last 4,096 starts: sample before the window turns over.
    sampleEveryMs: Math.max(250, Math.floor((4096 / probesPerS) * 1000 * 0.8)),
    dataDir: null,
    queryChecks,
  };
  const dataDir = values.bare ? null : mkdtempSync(join(tmpdir(), 'knockon-bench-'));
  input.dataDir = dataDir;
  if (dataDir !== null && queryChecks > 0) seedMonth(dataDir, queryChecks);
  const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), {
    workerData: input,
    resourceLimits: ENGINE_RESOURCE_LIMITS,
  });
  const exited = once(worker, 'exit');
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let peakRss = 0;
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 500);
  const held: number[] = [];
  let measuringNow = false;
  const connectionSampler = servers
    ? setInterval(() => {
        if (measuringNow)
          void servers.count().then(
            (n) => held.push(n),
            () => {},
          );
      }, 1_000)
    : null;
  const done = new Promise<Extract<BenchWorkerEvent, { kind: 'done' }>>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (event: BenchWorkerEvent) => {
      if (event.kind === 'measuring') {
        measuringNow = true;
        cpu0 = process.cpuUsage();
        t0 = performance.now();
        peakRss = 0;
      } else resolve(event);
    });
  });
  const result = await done;
  const cpu = process.cpuUsage(cpu0);
  const elapsedS = (performance.now() - t0) / 1000;
  clearInterval(rssSampler);
  if (connectionSampler) clearInterval(connectionSampler);
  // After the last probe, nothing the probes opened may still be open (a second for the servers
  // to see the last closes).
  if (servers) await new Promise((resolve) => setTimeout(resolve, 1_000));
  const heldAfter = servers ? await servers.count() : null;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  await exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const failures = Object.values(result.failures).reduce((a, b) => a + b, 0);
  return {
    bench: 'engine',
    type: dataType ?? 'http',
    modules: values.bare ? 'none' : 'history, knock-on, failover',
    checks,
    interval_ms: intervalMs,
    duration_s: round(elapsedS),
    probes: result.probes,
    probes_per_s: round(result.probes / elapsedS),
    cpu_s_per_1000_probes: round((cpuS / Math.max(1, result.probes)) * 1000, 3),
    rss_mb: Math.round(peakRss / 1048576),
    lag_p50_ms: histogramPercentile(result.lagHistogram, 0.5),
    lag_p99_ms: histogramPercentile(result.lagHistogram, 0.99),
    lag_p999_ms: histogramPercentile(result.lagHistogram, 0.999),
    lag_worst_window_p99_ms: Math.max(0, ...result.lagP99s),
    lag_max_ms: result.lagHistogram.findLastIndex((n) => n > 0),
    latency_p50_ms: percentile(result.latencies, 0.5),
    latency_p99_ms: percentile(result.latencies, 0.99),
    latency_max_ms: percentile(result.latencies, 1),
    loop_delay_p50_ms: round(result.loopDelay.p50),
    loop_delay_p99_ms: round(result.loopDelay.p99),
    loop_delay_max_ms: round(result.loopDelay.max),
    ...(result.durableMs.length > 0
      ? {
          durable_write_p50_ms: percentile(result.durableMs, 0.5),
          durable_write_p99_ms: percentile(result.durableMs, 0.99),
          durable_write_max_ms: percentile(result.durableMs, 1),
          durable_written_p50_ms: percentile(result.durableWrittenMs, 0.5),
          durable_written_p99_ms: percentile(result.durableWrittenMs, 0.99),
          durable_written_max_ms: percentile(result.durableWrittenMs, 1),
          incident_write_p50_ms: percentile(result.incidentMs, 0.5),
          incident_write_p99_ms: percentile(result.incidentMs, 0.99),
          incident_write_max_ms: percentile(result.incidentMs, 1),
          incident_shown_p50_ms: percentile(result.incidentShownMs, 0.5),
          incident_shown_p99_ms: percentile(result.incidentShownMs, 0.99),
          incident_shown_max_ms: percentile(result.incidentShownMs, 1),
        }
      : {}),
    ...(queryChecks > 0
      ? {
          query_load: `30 d series + availability of ${queryChecks} checks in turn`,
          queries: result.queryMs.length,
          query_p50_ms: percentile(result.queryMs, 0.5),
          query_max_ms: percentile(result.queryMs, 1),
        }
      : {}),
    cpu_cores: round(cpuS / elapsedS, 2),
    failures,
    ...(failures > 0 ? { failure_classes: result.failures } : {}),
    delayed_by_limit: result.delayedByLimit,
    board_messages: result.messages,
    ...(servers
      ? {
          connections_held_max: Math.max(0, ...held),
          connections_held_mean: round(held.reduce((a, b) => a + b, 0) / Math.max(1, held.length), 2),
          connections_held_after: heldAfter,
        }
      : {}),
  };
}

if (dataType !== null) {
  const targets = await startDataTargets(dataType);
  try {
    for (const s of scenarios) {
      const sampler = { count: () => targets.connections() };
      console.log(JSON.stringify(await runScenario(targets.makeCheck, s.checks, s.intervalMs, sampler)));
    }
  } finally {
    await targets.stop();
  }
} else if (values.checks) {
  const farm = await startFarm(Number(values.ports));
  const ports = farm.ports;
  const httpCheck = (i: number) => ({
    id: `c${i}`,
    type: 'http',
    url: `http://127.0.0.1:${ports[i % ports.length]}/health?c=${i}`,
    expect: { json: { status: 'OK' } },
  });
  try {
    for (const s of scenarios) console.log(JSON.stringify(await runScenario(httpCheck, s.checks, s.intervalMs)));
  } finally {
    farm.stop();
  }
} else {
  // One process per scenario, so the second's resident memory does not include the first's.
  for (const s of scenarios) {
    const args = [
      '--checks',
      String(s.checks),
      '--interval',
      `${s.intervalMs}ms`,
      '--query-checks',
      String(queryChecks),
      ...(values.bare ? ['--bare'] : []),
    ];
    const child = spawn(
      process.execPath,
      [process.argv[1]!, ...args, '--duration', values.duration!, '--ports', values.ports!],
      {
        stdio: 'inherit',
      },
    );
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) process.exitCode = 1;
  }
}
