/**
 * node bench/vantages-parts.ts: where the centre's ingest CPU goes, part by part.
 *
 * The centre's engine side of bench/vantages.ts, in a worker thread with the product's V8
 * limits, fed synthetic syncs at the same pace (3 agents, each a sync of 200 HTTP results a
 * second: 2,000 checks at 10 s from each) through the `agent.sync` RPC, as the board server's
 * agent door hands them over. Each variant adds one part to the one before; the differences are
 * what each part costs, in CPU (process.cpuUsage: the worker and V8's helper threads; the main
 * thread waits), not wall time, so an fsync's wait is not counted as work:
 *
 *   parse        JSON.parse of each sync body, alone
 *   zod          JSON.parse + AgentSyncRequestSchema.safeParse, alone
 *   door         the bare engine (no modules) + the agents module: token, JSON, zod, ingest
 *                (apply, quorum, views), and the cursor's durable commit (no results stored)
 *   history      + the history module: results and check states queued, written with the cursor
 *   no-states    history with its check-state rows left out (the instance's queueCheckState
 *                replaced by a no-op): what those rows cost
 *   modules      every module, as the centre installs them (+ knock-on analysis, failover)
 *   board        modules + the board path of one delta as the worker and the host take it: the
 *                engine's JSON of it (once), its copy to the host, the SSE frame from that text,
 *                the delta deferred, and the engine's board past four snapshots' worth of them
 *
 * Environment: PARTS_WINDOW_S (20), PARTS_WARMUP_S (12), PARTS_VARIANTS (all, comma-separated),
 * PARTS_SYNCS_PER_S (1: syncs a second from each agent, the same results split among them),
 * PARTS_ALLOC=1 (also the bytes the variant's thread allocates per result, from V8's sampling
 * heap profiler with collected objects kept: a figure the machine's load does not move, unlike
 * CPU; the largest allocation sites go to stderr, PARTS_ALLOC_SITES of them: 15). PARTS_ALLOC=live: only what is still alive
 * after a full collection at the window's end (the window's objects the engine retains: the
 * ones that outlive the young generation and are collected in the old one), per result.
 * One JSON line: CPU-s per 1,000 results for each variant, and of it the engine thread's CPU in the
 * synchronous part of each sync (token, JSON, zod, ingest: what the store thread and the commit
 * do not include), measured around each call; and the variant thread's garbage-collection pauses
 * (young-generation and full, how many and their wall ms per 1,000 results: a figure the
 * machine's load moves far less than CPU). PARTS_YOUNG_MB sets the worker's young generation
 * (the product's ENGINE_RESOURCE_LIMITS otherwise).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { AGENT_PROTOCOL_VERSION, encodeBatch } from '../src/shared/agent-protocol.ts';

const VANTAGES = ['a1', 'a2', 'a3'];
const CHECKS = 2_000;
const INTERVAL_MS = 10_000;
/** Syncs a second from each agent (PARTS_SYNCS_PER_S; the real agents' 250 ms interval is about 4). */
const SYNCS_PER_S = Number(process.env.PARTS_SYNCS_PER_S ?? 1);
const PER_SYNC = Math.round(CHECKS / (INTERVAL_MS / 1000) / SYNCS_PER_S);
const tokenOf = (vantage: string) => `kna_bench-${vantage}-token-for-the-vantages-bench`;
const ALL = ['parse', 'zod', 'door', 'history', 'no-states', 'modules', 'board'] as const;
type Variant = (typeof ALL)[number];

interface Outcome {
  /** Bytes allocated on the variant's thread per result, and the largest sites (PARTS_ALLOC=1). */
  alloc?: { perResult: number; sites: [string, number][] };
  results: number;
  cpuS: number;
  wallBusyMs: number;
  /** This thread's CPU in the synchronous part of each sync (token, JSON, zod, ingest), none of the store's. */
  syncCpuS: number;
  /** The variant thread's garbage-collection pauses in the window: young-generation and full, count and ms. */
  gc: { minor: number; minorMs: number; major: number; majorMs: number };
  board?: typeof boardPart;
}

interface Input {
  variant: Variant;
  warmupMs: number;
  windowMs: number;
}

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sync body as an agent sends it (its compact batch): 200 HTTP results of consecutive checks, fresh. */
function makeBody(vantage: string, stream: string, seq0: number, check0: number): string {
  const now = Date.now();
  const results = Array.from({ length: PER_SYNC }, (_, i) => {
    const latencyMs = 1.5 + Math.random();
    const ttfbMs = latencyMs * 0.6;
    return {
      seq: seq0 + i,
      result: {
        checkId: `c${(check0 + i) % CHECKS}`,
        startedAt: now - 900 + i * 4,
        ok: true,
        latencyMs,
        errorClass: null as null,
        message: 'HTTP 200',
        httpStatus: 200,
        phases: { dnsMs: 0, connectMs: latencyMs * 0.25, tlsMs: 0, ttfbMs, transferMs: latencyMs * 0.15 },
      },
    };
  });
  return JSON.stringify({
    v: AGENT_PROTOCOL_VERSION,
    vantage,
    agent: { version: '0.1.0', stream, startedAt: now - 60_000 },
    sentAt: now,
    assignmentRev: null,
    results: encodeBatch(results),
    status: { buffered: 0, dropped: 0, online: true, reason: null },
  });
}

/** The board variant's own path, timed where it runs: wall ms in it, the frames' bytes. */
const boardPart = { ms: 0, bytes: 0, deltas: 0 };
let measuring = false;

async function runVariant(input: Input): Promise<Outcome> {
  const { hashAgentToken } = await import('../src/engine/store/index.ts');
  const config = JSON.stringify({
    defaults: { interval: `${INTERVAL_MS}ms`, timeout: '5000ms' },
    engine: { max_in_flight: 256 },
    vantages: VANTAGES.map((id) => ({ id, name: id.toUpperCase(), token_sha256: hashAgentToken(tokenOf(id)) })),
    checks: Array.from({ length: CHECKS }, (_, i) => ({
      id: `c${i}`,
      type: 'http',
      url: `http://127.0.0.1:9/health?c=${i}`,
      expect: { json: { status: 'OK' } },
      vantages: VANTAGES,
    })),
  });
  let handle: (token: string, body: string) => void;
  let stop = async () => {};
  const dir = mkdtempSync(join(tmpdir(), 'knockon-parts-'));
  if (input.variant === 'parse' || input.variant === 'zod') {
    const { AgentSyncRequestSchema } = await import('../src/shared/agent-protocol.ts');
    const zod = input.variant === 'zod';
    handle = (_token, body) => {
      const raw = JSON.parse(body) as unknown;
      if (zod && !AgentSyncRequestSchema.safeParse(raw).success) throw new Error('invalid body');
    };
  } else {
    const { systemClock } = await import('../src/engine/clock.ts');
    const { parseConfigText } = await import('../src/engine/config/parse.ts');
    const { Engine } = await import('../src/engine/engine.ts');
    const { installModules } = await import('../src/engine/modules.ts');
    const { RpcRegistry } = await import('../src/engine/rpc.ts');
    const { HistoryModule } = await import('../src/engine/store/index.ts');
    const { AgentsModule } = await import('../src/engine/vantages/agents-module.ts');
    const { DeferredBoard } = await import('../src/engine/deferred-board.ts');
    const { boardText, boardTextFits, isBoardMessage, isEngineEvent } = await import('../src/shared/protocol.ts');
    const { AGENT_CALLER } = await import('../src/server/identity.ts');
    const rpc = new RpcRegistry();
    const log = () => {};
    const board = new DeferredBoard();
    const boardPath = input.variant === 'board';
    let snapshotChars = 0;
    // As the worker and the host do it: the engine's JSON once, copied as a post copies it, the
    // wrapper checked, the frame made from the text, deltas deferred, and past four snapshots'
    // worth of them the engine's board (JSON made and parsed) instead.
    const engine: InstanceType<typeof Engine> = new Engine({
      clock: systemClock,
      log,
      emit: (message) => {
        if (!boardPath) return;
        const t0 = performance.now();
        const event = structuredClone(boardText(message)) as unknown;
        if (!isEngineEvent(event) || event.kind !== 'board' || !boardTextFits(event)) throw new Error('envelope');
        const frame = Buffer.from(`event: board\ndata: ${event.text}\n\n`);
        if (event.board === 'delta') board.defer(event.seq, event.text);
        else {
          const parsed = JSON.parse(event.text) as unknown;
          if (!isBoardMessage(parsed)) throw new Error('not a board message');
          if (parsed.kind === 'snapshot') snapshotChars = event.text.length;
          board.apply(parsed);
        }
        if (board.deferredBytes() > 4 * snapshotChars) {
          const text = structuredClone(JSON.stringify(engine.boardAsSent()));
          const state = JSON.parse(text) as unknown;
          if (!isBoardMessage(state) || state.kind !== 'snapshot') throw new Error('not a snapshot');
          board.reset(state);
          snapshotChars = text.length;
        }
        if (measuring && event.board === 'delta') {
          boardPart.ms += performance.now() - t0;
          boardPart.bytes += frame.length;
          boardPart.deltas++;
        }
      },
    });
    if (input.variant === 'modules' || input.variant === 'board') {
      await installModules({ engine, rpc, dataDir: dir, log });
    } else {
      const history = HistoryModule.open({ rpc, dataDir: dir, log, clock: systemClock });
      if (input.variant !== 'door') engine.use(history);
      if (input.variant === 'no-states') history.store.queueCheckState = () => {};
      engine.use(new AgentsModule({ engine, store: history.store, clock: systemClock, log, rpc }));
    }
    const outcome = parseConfigText(config, 'parts');
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues.slice(0, 3)));
    engine.applyConfig(outcome.config, 'parts');
    handle = (token, body) => {
      void rpc.dispatch('agent.sync', { token, body, from: '127.0.0.1' }, AGENT_CALLER).then((answer) => {
        const status = (answer as { status: number }).status;
        if (status !== 200) throw new Error(`sync answered ${status}: ${JSON.stringify(answer)}`);
      });
    };
    stop = () => engine.stop();
  }
  // Each agent syncs SYNCS_PER_S times a second, the agents evenly apart, 200 results a second each.
  const streams = VANTAGES.map((v) => ({ vantage: v, stream: `parts-${v}-stream`, seq: 1, check: 0 }));
  let results = 0;
  let wallBusy = 0;
  const started = Date.now();
  let tick = 0;
  // Making the bodies is the bench's own work: this thread's CPU for it, measured as it is made
  // (one body a third of a second apart costs far more than the same bodies made in a loop).
  let making = 0;
  let syncCpu = 0;
  const timer = setInterval(
    () => {
      const s = streams[tick++ % streams.length]!;
      const m0 = process.threadCpuUsage();
      const body = makeBody(s.vantage, s.stream, s.seq, s.check);
      const m = process.threadCpuUsage(m0);
      if (measuring) making += m.user + m.system;
      s.seq += PER_SYNC;
      s.check = (s.check + PER_SYNC) % CHECKS;
      const t0 = performance.now();
      const c0 = process.threadCpuUsage();
      handle(tokenOf(s.vantage), body);
      if (measuring) {
        const c = process.threadCpuUsage(c0);
        syncCpu += c.user + c.system;
        wallBusy += performance.now() - t0;
        results += PER_SYNC;
      }
    },
    1000 / VANTAGES.length / SYNCS_PER_S,
  );
  await sleep(input.warmupMs - (Date.now() - started));
  measuring = true;
  const mode = process.env.PARTS_ALLOC;
  const sampling = mode === '1' || mode === 'live' ? await startAllocationSampling(mode === 'live') : null;
  const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.minor++;
        gc.minorMs += entry.duration;
      } else {
        gc.major++;
        gc.majorMs += entry.duration;
      }
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  await sleep(input.windowMs);
  const cpu = process.cpuUsage(cpu0);
  gcObserver.disconnect();
  const allocated = sampling ? await sampling.stop() : null;
  measuring = false;
  clearInterval(timer);
  await stop();
  rmSync(dir, { recursive: true, force: true });
  const cpuS = (cpu.user + cpu.system - making) / 1e6;
  return {
    ...(allocated
      ? {
          alloc: {
            perResult: Math.round(allocated.total / results),
            sites: allocated.sites
              .slice(0, Number(process.env.PARTS_ALLOC_SITES ?? 15))
              .map(([site, bytes]) => [site, Math.round(bytes / results)]),
          },
        }
      : {}),
    results,
    cpuS,
    wallBusyMs: wallBusy,
    syncCpuS: syncCpu / 1e6,
    gc,
    ...(input.variant === 'board' ? { board: boardPart } : {}),
  };
}

interface SampledNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampledNode[];
}

/**
 * V8's sampling heap profiler on this thread, keeping objects already collected: what the
 * window allocated, by site (a builtin is charged to the function that called it).
 */
async function startAllocationSampling(live: boolean): Promise<{
  stop(): Promise<{ total: number; sites: [string, number][] }>;
}> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: !live,
    includeObjectsCollectedByMinorGC: !live,
  } as never);
  return {
    async stop() {
      if (live) await session.post('HeapProfiler.collectGarbage');
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SampledNode } };
      session.disconnect();
      const sites = new Map<string, number>();
      let total = 0;
      const walk = (node: SampledNode, caller: string) => {
        const f = node.callFrame;
        const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
        const site = f.url === '' ? `${name} <- ${caller}` : name;
        sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
        total += node.selfSize;
        for (const child of node.children) walk(child, f.url === '' ? caller : name);
      };
      walk(profile.head, '(root)');
      return { total, sites: [...sites].sort((a, b) => b[1] - a[1]) };
    },
  };
}

if (!isMainThread) {
  const outcome = await runVariant(workerData as Input);
  parentPort!.postMessage(outcome);
} else {
  const { ENGINE_RESOURCE_LIMITS, tuneHeapGrowth } = await import('../src/engine/worker-limits.ts');
  // As the product's host and agents do (process-wide: the variants' workers have it too).
  tuneHeapGrowth();
  const youngMb = process.env.PARTS_YOUNG_MB;
  const limits = youngMb
    ? { ...ENGINE_RESOURCE_LIMITS, maxYoungGenerationSizeMb: Number(youngMb) }
    : ENGINE_RESOURCE_LIMITS;
  const variants = (process.env.PARTS_VARIANTS?.split(',') ?? [...ALL]) as Variant[];
  const warmupMs = Number(process.env.PARTS_WARMUP_S ?? 12) * 1000;
  const windowMs = Number(process.env.PARTS_WINDOW_S ?? 20) * 1000;
  const out: Record<string, number> = {};
  const sync: Record<string, number> = {};
  const alloc: Record<string, number> = {};
  const gcs: Record<string, Record<string, number>> = {};
  for (const variant of variants) {
    if (!ALL.includes(variant)) throw new Error(`PARTS_VARIANTS: unknown variant ${variant}`);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { variant, warmupMs, windowMs } satisfies Input,
      resourceLimits: limits,
    });
    const result = await new Promise<Outcome>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    out[variant] = round((result.cpuS / result.results) * 1000);
    sync[variant] = round((result.syncCpuS / result.results) * 1000);
    console.error(
      `${variant}: ${result.results} results, ${round(result.cpuS, 2)} CPU-s, ${out[variant]} CPU-s per 1,000 ` +
        `(synchronous part of each sync: ${sync[variant]} CPU-s, wall ${round(result.wallBusyMs / (result.results / 1000), 1)} ms per 1,000)`,
    );
    const per1000 = (n: number) => round((n / result.results) * 1000, 2);
    gcs[variant] = {
      minor_per_1000_results: per1000(result.gc.minor),
      minor_ms_per_1000_results: per1000(result.gc.minorMs),
      major_per_1000_results: per1000(result.gc.major),
      major_ms_per_1000_results: per1000(result.gc.majorMs),
    };
    if (result.alloc) {
      alloc[variant] = result.alloc.perResult;
      console.error(
        `${variant}: ${result.alloc.perResult} bytes allocated per result on its thread; the largest sites:`,
      );
      for (const [site, bytes] of result.alloc.sites) console.error(`  ${String(bytes).padStart(6)} B  ${site}`);
    }
    const b = result.board;
    if (b) {
      console.error(
        `board path alone: ${round(b.ms / (result.results / 1000), 1)} ms wall per 1,000 results in JSON, copy, ` +
          `frame and deferral; ${b.deltas} deltas of ${Math.round(b.bytes / Math.max(1, b.deltas))} bytes on average`,
      );
    }
  }
  console.log(
    JSON.stringify({
      bench: 'vantages-parts',
      cpu_s_per_1000_results: out,
      sync_cpu_s_per_1000_results: sync,
      gc_pauses: gcs,
      ...(Object.keys(alloc).length > 0 ? { alloc_bytes_per_result: alloc } : {}),
    }),
  );
}
