/**
 * npm run bench:vantages
 *
 * A centre (`knockon serve`) and three probe agents (`knockon agent`, vantages a1, a2, a3) as
 * separate processes on loopback (test/support/agents-lab.ts), 2,000 HTTP checks at 10 s listed
 * with `vantages: [a1, a2, a3]` (the centre probes none of them itself), against the target farm
 * (bench/target-farm.ts, its own process). Over a steady window after a warm-up:
 *
 * - the centre's CPU-s per 1,000 results ingested (results of the window's probes in its
 *   database) and its RSS, from /proc/<pid>/stat and status: the whole process, the board
 *   server's main thread and the engine worker together;
 * - each agent's CPU-s per 1,000 probes and its RSS, the same way;
 * - result to board: a client of the centre's event stream (/api/events, as a browser reads
 *   it) takes, for every (check, vantage) view whose last probe changed in a delta, its receipt
 *   time minus the result's startedAt + latency. Every process is on this machine, so the agent
 *   and the board client read the same clock.
 *
 * And, at the same time, the cost of probing as many results locally: a `knockon serve` of its
 * own probing the same 2,000 checks from `local`, with a board client of its own, started with
 * the centre and its agents and measured over the same window. Its agents and this peer share
 * the machine's minutes: on a small virtual machine a minute's figures move by up to a fifth,
 * and a peer measured in other minutes (as this bench did first, after the agents' window) was
 * given a quieter machine (0.4 busy cores against 0.85). Both scenarios run by default: quiet,
 * and loaded (two CPU-bound busy loops, one per core of the 2-core machine, running through the
 * scenario). One JSON line per scenario.
 *
 * Environment: BENCH_WINDOW_S (60), BENCH_WARMUP_S (20), BENCH_CHECKS (2000), BENCH_INTERVAL
 * (10s), BENCH_SCENARIOS (quiet,loaded), BENCH_SYNC_INTERVAL (the agents' --sync-interval;
 * their default when unset), BENCH_NO_LOCAL=1 (skip the local run), BENCH_NO_BOARD=1 (no board
 * client; no delay figures), BENCH_CENTRE_NODE_OPTIONS (NODE_OPTIONS for the centre only, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it), BENCH_AGENT_NODE_OPTIONS (the same for the
 * agents, e.g. "--max-semi-space-size=8"), BENCH_AGENT_DOOR (port: the agents sync on the centre's
 * agent port, `knockon serve --agent-port`, the default; board: through the board's port, as
 * before the agent port existed), BENCH_CAPTURE=FILE (the board stream's messages, one JSON
 * text a line, to the window's 80th delta: the input of bench/board-path.ts), BENCH_CENTRE_PROBES=1
 * (the centre probes every check itself too, `vantages: [local, a1, a2, a3]`: its own probes'
 * measured latency and start lag beside the agents' syncs, against the local peer's; with
 * BENCH_AGENT_DOOR, whether the agent port on the engine's thread delays the centre's probes;
 * the centre's CPU then includes its probes, so its two ingest targets are null),
 * BENCH_TAILS=1 (the centre's and the agents' logs after the window, on stderr),
 * BENCH_PREFILL_MIN (0: each centre, and the local peer, starts on an empty file; N: on a history
 * of the N minutes before, written and caught up by the store before it starts, bench/prefill.ts:
 * the store's tables as in a centre that has run a while).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { parseDuration } from '../src/shared/config/duration.ts';
import { CHUNK_SPAN } from '../src/engine/store/chunks.ts';
import { decodeChunk } from '../src/engine/store/chunk-codec.ts';
import { hashAgentToken } from '../src/engine/store/index.ts';
import { applyCheckPatch } from '../src/shared/check-patch.ts';
import type { BoardMessage } from '../src/shared/protocol.ts';
import type { CheckView } from '../src/shared/model.ts';
import { BOARD_TOKEN, startAgentsLab, type AgentsLab, type LabProcess } from '../test/support/agents-lab.ts';

const env = process.env;
const WINDOW_S = Number(env.BENCH_WINDOW_S ?? 60);
const WARMUP_S = Number(env.BENCH_WARMUP_S ?? 20);
const CHECKS = Number(env.BENCH_CHECKS ?? 2_000);
const INTERVAL_MS = parseDuration(env.BENCH_INTERVAL ?? '10s')!;
const SCENARIOS = (env.BENCH_SCENARIOS ?? 'quiet,loaded').split(',').map((s) => s.trim()) as ('quiet' | 'loaded')[];
const SYNC_INTERVAL = env.BENCH_SYNC_INTERVAL;
const WITH_LOCAL = env.BENCH_NO_LOCAL !== '1';
const WITH_BOARD = env.BENCH_NO_BOARD !== '1';
const CENTRE_NODE_OPTIONS = env.BENCH_CENTRE_NODE_OPTIONS ?? '';
const AGENT_NODE_OPTIONS = env.BENCH_AGENT_NODE_OPTIONS ?? '';
const CAPTURE = env.BENCH_CAPTURE;
const AGENT_DOOR = env.BENCH_AGENT_DOOR ?? 'port';
const CENTRE_PROBES = env.BENCH_CENTRE_PROBES === '1';
if (AGENT_DOOR !== 'port' && AGENT_DOOR !== 'board') throw new Error('BENCH_AGENT_DOOR: port or board');
const VANTAGES = ['a1', 'a2', 'a3'] as const;
const PREFILL_MIN = Number(env.BENCH_PREFILL_MIN ?? 0);
const FARM_PORTS = 8;
const CLK_TCK = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------------
// Processes: every child this bench starts is in `children` or a lab, and goes when it ends.

const children = new Set<ChildProcess>();
const labs = new Set<AgentsLab>();

function killEverything(signal: NodeJS.Signals): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  for (const lab of labs) {
    for (const p of [lab.centre, ...lab.agents.values()] as LabProcess[]) if (p.running) p.child?.kill(signal);
  }
}
process.on('exit', () => killEverything('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killEverything('SIGKILL');
    // The labs' directories (configs, databases, agents' buffers) go too.
    for (const lab of labs) rmSync(lab.dir, { recursive: true, force: true });
    process.exit(130);
  });
}

async function startFarm(): Promise<{ ports: number[]; pid: number }> {
  const farm = spawn(process.execPath, [new URL('./target-farm.ts', import.meta.url).pathname, String(FARM_PORTS)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...env, NODE_OPTIONS: '' },
  });
  children.add(farm);
  const line = await new Promise<string>((resolve, reject) => {
    farm.once('exit', (code) => reject(new Error(`target farm exited with ${code}`)));
    createInterface({ input: farm.stdout! }).once('line', resolve);
  });
  return { ports: (JSON.parse(line) as { ports: number[] }).ports, pid: farm.pid! };
}

/** Two CPU-bound loops (one per core of the 2-core machine), as other work on a busy host. */
function startLoad(): ChildProcess[] {
  return [0, 1].map(() => {
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], {
      stdio: 'ignore',
      env: { ...env, NODE_OPTIONS: '' },
    });
    children.add(child);
    return child;
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

// ---------------------------------------------------------------------------------------------
// /proc

function cpuSeconds(pid: number): number {
  // utime and stime of the whole thread group (every thread: the engine worker's too).
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * Per thread name (comm) of a process (main thread, engine worker, store, V8 and libuv helpers):
 * CPU seconds, and wakes: voluntary context switches, each a sleep the thread woke from (a
 * message, a socket, a timer). A wake costs the most on a quiet machine (bench/thread-wake.ts).
 */
function threadSamples(pid: number): Map<string, { cpuS: number; wakes: number }> {
  const out = new Map<string, { cpuS: number; wakes: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const wakes = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const sum = out.get(comm) ?? { cpuS: 0, wakes: 0 };
      sum.cpuS += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
      sum.wakes += wakes;
      out.set(comm, sum);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** The machine's busy jiffies (all cores, from /proc/stat), and steal: time the hypervisor gave to others. */
function machineJiffies(): { busy: number; steal: number } {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as number[];
  return { busy: user! + nice! + system! + irq! + softirq!, steal: steal ?? 0 };
}

/** CPU and peak RSS of some processes over a window. */
class Meter {
  private readonly cpu0: Map<string, number>;
  private readonly peak = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly machine0 = machineJiffies();
  private readonly self0 = process.cpuUsage();
  private readonly t0 = performance.now();
  readonly load0 = loadavg()[0]!;
  private readonly pids: Map<string, number>;
  /** The processes whose threads are reported one by one (the centre, the local peer). */
  private readonly threads0: Map<string, Map<string, { cpuS: number; wakes: number }>>;

  constructor(pids: Map<string, number>, byThread: readonly string[]) {
    this.pids = pids;
    this.threads0 = new Map(byThread.map((name) => [name, threadSamples(pids.get(name)!)]));
    this.cpu0 = new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
  }

  private sample(): void {
    for (const [name, pid] of this.pids) {
      try {
        this.peak.set(name, Math.max(this.peak.get(name) ?? 0, rssMb(pid)));
      } catch {
        // Gone: reported by the caller, which sees its process exit.
      }
    }
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
    const elapsedS = (performance.now() - this.t0) / 1000;
    const cpu = new Map([...this.pids].map(([name, pid]) => [name, cpuSeconds(pid) - this.cpu0.get(name)!]));
    const threads = new Map<string, Record<string, number>>();
    const wakes = new Map<string, Record<string, number>>();
    for (const [name, before] of this.threads0) {
      const cores: Record<string, number> = {};
      const perS: Record<string, number> = {};
      for (const [comm, now] of threadSamples(this.pids.get(name)!)) {
        const c = (now.cpuS - (before.get(comm)?.cpuS ?? 0)) / elapsedS;
        if (c >= 0.001) cores[comm] = Math.round(c * 1000) / 1000;
        const w = (now.wakes - (before.get(comm)?.wakes ?? 0)) / elapsedS;
        if (w >= 0.1) perS[comm] = Math.round(w * 10) / 10;
      }
      threads.set(name, cores);
      wakes.set(name, perS);
    }
    const machine = machineJiffies();
    const self = process.cpuUsage(this.self0);
    const ours = [...cpu.values()].reduce((a, b) => a + b, 0) + (self.user + self.system) / 1e6;
    const machineBusyCores = (machine.busy - this.machine0.busy) / CLK_TCK / elapsedS;
    const stealCores = (machine.steal - this.machine0.steal) / CLK_TCK / elapsedS;
    return {
      elapsedS,
      cpu,
      rss: this.peak,
      threads,
      wakes,
      benchCores: (self.user + self.system) / 1e6 / elapsedS,
      machineBusyCores,
      stealCores,
      /** What else ran on the machine: all cores' busy time minus this bench's processes. */
      othersCores: Math.max(0, machineBusyCores - ours / elapsedS),
      load: [this.load0, loadavg()[0]!],
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The board client: the event stream as a browser reads it.

interface DelaySample {
  total: number;
  /** Result's end to the delta's creation at the centre: buffer, sync, ingest, batching. */
  toDelta: number;
  /** The delta's creation to its receipt here: the board server and the stream. */
  toClient: number;
}

class BoardClient {
  /** Each check's view as the board has it. */
  private readonly views = new Map<string, CheckView>();
  /** Last probe seen per (check, vantage). */
  private readonly seen = new Map<string, number>();
  samples: DelaySample[] = [];
  measuring = false;
  /** Deltas received while measuring. */
  deltas = 0;
  private request: ReturnType<typeof get> | null = null;
  /** Whether this client's stream goes to BENCH_CAPTURE (the centre with agents; not the local peer). */
  private readonly captures: boolean;

  constructor(url: string, captures: boolean) {
    this.captures = captures;
    const events = new URL('/api/events', url);
    this.request = get(events, (res) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (chunk: string) => {
        const receipt = Date.now();
        text += chunk;
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          if (!frame.startsWith('event: board')) continue;
          const at = frame.indexOf('\ndata: ');
          if (at < 0) continue;
          const data = frame.slice(at + 7);
          this.capture(data);
          this.onMessage(JSON.parse(data) as BoardMessage, receipt);
        }
      });
    });
    this.request.on('error', () => {});
  }

  /**
   * BENCH_CAPTURE=FILE: the stream's messages as sent (one JSON text a line), from the first
   * snapshot to the 80th delta of the window, for bench/board-path.ts.
   */
  private captured = 0;
  private capture(data: string): void {
    if (!CAPTURE || !this.captures || this.captured >= 80) return;
    appendFileSync(CAPTURE, `${data}\n`);
    if (this.measuring && data.includes('"kind":"delta"')) this.captured++;
  }

  /** Pairs (check, vantage) with a result, of `total` possible. */
  coverage(): number {
    return this.seen.size;
  }

  private onMessage(message: BoardMessage, receipt: number): void {
    if (message.kind === 'snapshot') {
      this.views.clear();
      for (const check of message.snapshot.checks) {
        this.views.set(check.id, check);
        this.observe(check, null, receipt);
      }
    } else if (message.kind === 'delta') {
      if (this.measuring) this.deltas++;
      for (const check of message.checks) {
        this.views.set(check.id, check);
        this.observe(check, message.at, receipt);
      }
      // Changed checks come as patches: applied to the view as the board has it.
      for (const patch of message.patches) {
        const before = this.views.get(patch.id);
        if (!before) continue;
        const view = applyCheckPatch(before, patch);
        this.views.set(patch.id, view);
        this.observe(view, message.at, receipt);
      }
    }
  }

  private observe(check: CheckView, deltaAt: number | null, receipt: number): void {
    const views = check.vantages ?? [{ vantage: 'local', lastProbeAt: check.lastProbeAt, latencyMs: check.latencyMs }];
    for (const view of views) {
      if (view.lastProbeAt === null) continue;
      const key = `${check.id}\u0000${view.vantage}`;
      const before = this.seen.get(key);
      if (before === view.lastProbeAt) continue;
      this.seen.set(key, view.lastProbeAt);
      if (deltaAt === null || before === undefined || !this.measuring) continue;
      const end = view.lastProbeAt + (view.latencyMs ?? 0);
      this.samples.push({ total: receipt - end, toDelta: deltaAt - end, toClient: receipt - deltaAt });
    }
  }

  close(): void {
    this.request?.destroy();
    this.request = null;
  }
}

/** A percentile of sorted latencies in ms, to 0.1 ms; null for none. */
function latencyFigure(sorted: number[], p: number): number | null {
  return sorted.length === 0 ? null : Math.round(percentile(sorted, p) * 10) / 10;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function delayFigures(samples: DelaySample[]) {
  const pick = (f: (s: DelaySample) => number) => samples.map(f).sort((a, b) => a - b);
  const total = pick((s) => s.total);
  const toDelta = pick((s) => s.toDelta);
  const toClient = pick((s) => s.toClient);
  return {
    samples: samples.length,
    p50_ms: Math.round(percentile(total, 0.5)),
    p99_ms: Math.round(percentile(total, 0.99)),
    max_ms: Math.round(total.at(-1) ?? NaN),
    to_delta_p50_ms: Math.round(percentile(toDelta, 0.5)),
    to_delta_p99_ms: Math.round(percentile(toDelta, 0.99)),
    delta_to_client_p50_ms: Math.round(percentile(toClient, 0.5)),
    delta_to_client_p99_ms: Math.round(percentile(toClient, 0.99)),
  };
}

// ---------------------------------------------------------------------------------------------
// Configs

function checkList(ports: number[], vantages: readonly string[] | null) {
  return Array.from({ length: CHECKS }, (_, i) => ({
    id: `c${i}`,
    type: 'http',
    url: `http://127.0.0.1:${ports[i % ports.length]}/health?c=${i}`,
    expect: { json: { status: 'OK' } },
    ...(vantages ? { vantages: [...vantages] } : {}),
  }));
}

const tokenOf = (vantage: string) => `kna_bench-${vantage}-token-for-the-vantages-bench`;

/** YAML is a superset of JSON: the config file is the document as JSON. */
function configText(ports: number[], withAgents: boolean): string {
  return JSON.stringify({
    defaults: { interval: `${INTERVAL_MS}ms`, timeout: `${Math.min(INTERVAL_MS, 5_000)}ms` },
    engine: { max_in_flight: 256 },
    ...(withAgents
      ? {
          vantages: VANTAGES.map((id) => ({
            id,
            name: id.toUpperCase(),
            token_sha256: hashAgentToken(tokenOf(id)),
            offline_after: '5s',
          })),
        }
      : {}),
    checks: checkList(ports, withAgents ? (CENTRE_PROBES ? ['local', ...VANTAGES] : VANTAGES) : null),
  });
}

/** Results in the centre's database whose probe started in [from, to), per vantage ('' is local). */
interface WindowResults {
  counts: Map<string, { results: number; failed: number }>;
  /** The measured latencies (ms) of this machine's own successful probes, sorted. */
  localLatencies: number[];
}

function resultsIn(dbPath: string, from: number, to: number): WindowResults {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    // One snapshot for both reads: a seal in between would count its rows twice or not at all.
    db.exec('BEGIN');
    const counts = new Map<string, { results: number; failed: number }>();
    const localLatencies: number[] = [];
    const add = (vantage: string, ok: boolean) => {
      const c = counts.get(vantage) ?? { results: 0, failed: 0 };
      c.results++;
      if (!ok) c.failed++;
      counts.set(vantage, c);
    };
    const rows = db
      .prepare(
        'SELECT c.vantage AS vantage, COUNT(*) AS n, SUM(r.ok = 0) AS failed FROM results r ' +
          'JOIN checks c ON c.key = r.check_key WHERE r.started_at >= ? AND r.started_at < ? GROUP BY c.vantage',
      )
      .all(from, to) as { vantage: string; n: number; failed: number }[];
    for (const r of rows) counts.set(r.vantage, { results: Number(r.n), failed: Number(r.failed) });
    const local = db
      .prepare(
        'SELECT r.latency_ms AS ms FROM results r JOIN checks c ON c.key = r.check_key ' +
          "WHERE c.vantage = '' AND r.ok = 1 AND r.latency_ms IS NOT NULL AND r.started_at >= ? AND r.started_at < ?",
      )
      .all(from, to) as { ms: number }[];
    for (const r of local) localLatencies.push(r.ms);
    // A window across the hour has its first part sealed into that hour's chunks by then.
    const chunks = db
      .prepare(
        'SELECT c.vantage AS vantage, k.body AS body FROM result_chunks k ' +
          'JOIN checks c ON c.key = k.check_key WHERE k.t > ? AND k.t < ?',
      )
      .all(from - CHUNK_SPAN, to) as { vantage: string; body: Uint8Array }[];
    for (const chunk of chunks) {
      for (const r of decodeChunk(chunk.body, 'bench')) {
        if (r.startedAt < from || r.startedAt >= to) continue;
        add(chunk.vantage, r.ok);
        if (chunk.vantage === '' && r.ok && r.latencyMs !== null) localLatencies.push(r.latencyMs);
      }
    }
    db.exec('COMMIT');
    return { counts, localLatencies: localLatencies.sort((a, b) => a - b) };
  } finally {
    db.close();
  }
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs: number, lab: AgentsLab) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    for (const p of [lab.centre, ...lab.agents.values()] as LabProcess[]) {
      if (!p.running) throw new Error(`${p.spec.name} exited waiting for ${what}:\n${p.tail()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// One run: the centre with its agents and, beside them, the local peer; warm-up, one window.

interface LabOutcome {
  results: Map<string, { results: number; failed: number }>;
  localLatencies: number[];
  /** The engine's probe start lag p99 (ms, its last 4,096 probes) at the window's end; null without local probes. */
  lagP99Ms: number | null;
  delay: ReturnType<typeof delayFigures> | null;
  deltas: number;
}

interface RunOutcome {
  elapsedS: number;
  cpu: Map<string, number>;
  rss: Map<string, number>;
  /** CPU by thread name, in cores, of the centre and of the local peer. */
  threads: Map<string, Record<string, number>>;
  /** Wakes a second per thread name (voluntary context switches), for the same processes. */
  wakes: Map<string, Record<string, number>>;
  multi: LabOutcome;
  local: LabOutcome | null;
  farmCores: number;
  benchCores: number;
  machineBusyCores: number;
  stealCores: number;
  othersCores: number;
  /** What the busy loops got (loaded scenario). */
  loadCores: number;
  load: number[];
}

async function startLab(ports: number[], withAgents: boolean): Promise<AgentsLab> {
  const lab = await startAgentsLab({
    prepare: PREFILL_MIN > 0 ? (dataDir) => prefill(dataDir, withAgents) : undefined,
    config: configText(ports, withAgents),
    env: { NODE_OPTIONS: CENTRE_NODE_OPTIONS },
    agentPort: withAgents && AGENT_DOOR === 'port',
    agents: withAgents
      ? VANTAGES.map((vantage) => ({
          vantage,
          token: tokenOf(vantage),
          env: { NODE_OPTIONS: AGENT_NODE_OPTIONS },
          ...(SYNC_INTERVAL ? { args: ['--sync-interval', SYNC_INTERVAL] } : {}),
        }))
      : [],
  });
  labs.add(lab);
  return lab;
}

/**
 * BENCH_PREFILL_MIN: the centre's (or the local peer's) history of the minutes before, written
 * first, in a process of its own (the labs start side by side: this one's event loop waits on them).
 */
async function prefill(dataDir: string, withAgents: boolean): Promise<void> {
  const vantages = withAgents ? (CENTRE_PROBES ? ['local', ...VANTAGES] : [...VANTAGES]) : ['local'];
  const child = spawn(
    process.execPath,
    [
      new URL('./prefill.ts', import.meta.url).pathname,
      dataDir,
      String(PREFILL_MIN),
      String(INTERVAL_MS),
      String(CHECKS),
      ...vantages,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  children.delete(child);
  if (code !== 0) throw new Error(`prefill of ${dataDir} failed (exit ${code})`);
  const done = JSON.parse(out) as { results: number; ms: number };
  console.error(`prefill: ${done.results} results over ${PREFILL_MIN} min in ${done.ms} ms (${dataDir})`);
}

async function stopLab(lab: AgentsLab): Promise<void> {
  await lab.stop();
  labs.delete(lab);
}

/** The board client from the start, so it sees every view's first probe before the window. */
async function boardOf(lab: AgentsLab, pairs: number, captures: boolean): Promise<BoardClient | null> {
  if (!WITH_BOARD) return null;
  const board = new BoardClient(lab.centre.url, captures);
  await waitUntil(() => board.coverage() >= pairs * 0.99, `results on ${lab.centre.spec.name}'s board`, 90_000, lab);
  return board;
}

/** A lab's results of the window's probes (in its centre's database) and what its board client saw. */
function labOutcome(
  lab: AgentsLab,
  board: BoardClient | null,
  from: number,
  to: number,
  lagP99Ms: number | null,
): LabOutcome {
  const { counts, localLatencies } = resultsIn(lab.centre.dbPath, from, to);
  return {
    results: counts,
    localLatencies,
    lagP99Ms,
    delay: board ? delayFigures(board.samples) : null,
    deltas: board?.deltas ?? 0,
  };
}

/** The centre's probe start lag p99 in ms, from its /metrics (the engine's last 4,096 probes). */
async function lagP99Of(lab: AgentsLab): Promise<number> {
  const res = await fetch(`${lab.centre.url}/metrics`, { headers: { authorization: `Bearer ${BOARD_TOKEN}` } });
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const line = (await res.text())
    .split('\n')
    .find((l) => l.startsWith('knockon_probe_start_lag_seconds{quantile="0.99"}'));
  if (!line) throw new Error('/metrics has no knockon_probe_start_lag_seconds{quantile="0.99"}');
  return Math.round(Number(line.split(' ').at(-1)) * 1000);
}

async function run(ports: number[], farmPid: number, loadPids: number[]): Promise<RunOutcome> {
  const started = await Promise.allSettled([startLab(ports, true), WITH_LOCAL ? startLab(ports, false) : null]);
  const [multiLab, localLab] = started.map((s) => (s.status === 'fulfilled' ? s.value : null));
  const boards: BoardClient[] = [];
  try {
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [board, localBoard] = await Promise.all([
      boardOf(multiLab!, CHECKS * VANTAGES.length, true),
      localLab ? boardOf(localLab, CHECKS, false) : null,
    ]);
    for (const b of [board, localBoard]) if (b) boards.push(b);
    if (!WITH_BOARD) await sleep(2 * INTERVAL_MS);
    await sleep(WARMUP_S * 1000);
    const pids = new Map<string, number>([['centre', multiLab!.centre.child!.pid!]]);
    for (const v of VANTAGES) pids.set(v, multiLab!.agents.get(v)!.child!.pid!);
    if (localLab) pids.set('local', localLab.centre.child!.pid!);
    pids.set('farm', farmPid);
    loadPids.forEach((pid, i) => pids.set(`load${i}`, pid));
    const from = Date.now();
    for (const b of boards) b.measuring = true;
    const meter = new Meter(pids, localLab ? ['centre', 'local'] : ['centre']);
    await sleep(WINDOW_S * 1000);
    const measured = meter.stop();
    const to = Date.now();
    const [multiLag, localLag] = await Promise.all([
      CENTRE_PROBES ? lagP99Of(multiLab!) : null,
      localLab ? lagP99Of(localLab) : null,
    ]);
    for (const b of boards) b.measuring = false;
    for (const lab of [multiLab!, ...(localLab ? [localLab] : [])]) {
      for (const p of [lab.centre, ...lab.agents.values()] as LabProcess[]) {
        if (!p.running) throw new Error(`${p.spec.name} exited during the window:\n${p.tail()}`);
      }
    }
    // The window's last results reach the database with the next sync (agents) or flush (local).
    await sleep(3_000);
    if (env.BENCH_TAILS === '1') {
      for (const p of [multiLab!.centre, ...multiLab!.agents.values()] as LabProcess[]) {
        process.stderr.write(`--- ${p.spec.name}\n${p.tail()}\n`);
      }
    }
    const farmCores = measured.cpu.get('farm')! / measured.elapsedS;
    const loadCores = loadPids.reduce((n, _, i) => n + measured.cpu.get(`load${i}`)!, 0) / measured.elapsedS;
    for (const name of ['farm', ...loadPids.map((_, i) => `load${i}`)]) measured.cpu.delete(name);
    return {
      elapsedS: measured.elapsedS,
      cpu: measured.cpu,
      rss: measured.rss,
      threads: measured.threads,
      wakes: measured.wakes,
      multi: labOutcome(multiLab!, board, from, to, multiLag),
      local: localLab ? labOutcome(localLab, localBoard, from, to, localLag) : null,
      farmCores,
      benchCores: measured.benchCores,
      machineBusyCores: measured.machineBusyCores,
      stealCores: measured.stealCores,
      othersCores: measured.othersCores,
      loadCores,
      load: measured.load,
    };
  } finally {
    for (const b of boards) b.close();
    await Promise.all([multiLab, localLab].flatMap((lab) => (lab ? [stopLab(lab)] : [])));
  }
}

// ---------------------------------------------------------------------------------------------

const perThousand = (cpuS: number, n: number) => round((cpuS / Math.max(1, n)) * 1000, 4);

async function scenario(name: 'quiet' | 'loaded', ports: number[], farmPid: number) {
  const load = name === 'loaded' ? startLoad() : [];
  try {
    console.error(
      `vantages bench, ${name}: centre with ${VANTAGES.length} agents, ${CHECKS} checks each` +
        (WITH_LOCAL ? `, and beside them a centre probing the ${CHECKS} checks itself` : ''),
    );
    const loadPids = load.map((c) => c.pid!);
    const outcome = await run(ports, farmPid, loadPids);
    const { multi, local } = outcome;
    const ingested = VANTAGES.reduce((n, v) => n + (multi.results.get(v)?.results ?? 0), 0);
    const failed = VANTAGES.reduce((n, v) => n + (multi.results.get(v)?.failed ?? 0), 0);
    const centreCpu = outcome.cpu.get('centre')!;
    const centrePer1000 = perThousand(centreCpu, ingested);
    const agents = VANTAGES.map((v) => {
      const probes = multi.results.get(v)?.results ?? 0;
      return {
        vantage: v,
        probes,
        cpu_s_per_1000_probes: perThousand(outcome.cpu.get(v)!, probes),
        rss_mb: Math.round(outcome.rss.get(v)!),
      };
    });
    const localProbes = local?.results.get('')?.results ?? 0;
    const localPer1000 = local ? perThousand(outcome.cpu.get('local')!, localProbes) : null;
    const fraction = localPer1000 ? round(centrePer1000 / localPer1000, 3) : null;
    const delayP99 = multi.delay?.p99_ms ?? null;
    return {
      bench: 'vantages',
      scenario: name,
      checks: CHECKS,
      vantages: [...VANTAGES],
      interval_ms: INTERVAL_MS,
      sync_interval: SYNC_INTERVAL ?? 'default',
      ...(PREFILL_MIN > 0 ? { prefill_min: PREFILL_MIN } : {}),
      agent_door: AGENT_DOOR,
      ...(AGENT_NODE_OPTIONS ? { agent_node_options: AGENT_NODE_OPTIONS } : {}),
      window_s: round(outcome.elapsedS),
      centre_results: ingested,
      centre_results_per_s: round(ingested / outcome.elapsedS),
      centre_failed_results: failed,
      centre_cpu_s_per_1000_results: centrePer1000,
      centre_cpu_cores: round(centreCpu / outcome.elapsedS, 3),
      centre_rss_mb: Math.round(outcome.rss.get('centre')!),
      centre_threads_cores: outcome.threads.get('centre') ?? {},
      centre_threads_wakes_per_s: outcome.wakes.get('centre') ?? {},
      agents,
      delay_p50_ms: multi.delay?.p50_ms ?? null,
      delay_p99_ms: delayP99,
      delay: multi.delay,
      board_deltas: multi.deltas,
      local_probes: localProbes,
      local_cpu_s_per_1000_probes: localPer1000,
      local_rss_mb: local ? Math.round(outcome.rss.get('local')!) : null,
      local_threads_cores: outcome.threads.get('local') ?? null,
      local_threads_wakes_per_s: outcome.wakes.get('local') ?? null,
      local_delay_p99_ms: local?.delay?.p99_ms ?? null,
      local_latency_p50_ms: local ? latencyFigure(local.localLatencies, 0.5) : null,
      local_latency_p99_ms: local ? latencyFigure(local.localLatencies, 0.99) : null,
      local_lag_p99_ms: local?.lagP99Ms ?? null,
      ...(CENTRE_PROBES
        ? {
            centre_local_probes: multi.results.get('')?.results ?? 0,
            centre_local_latency_p50_ms: latencyFigure(multi.localLatencies, 0.5),
            centre_local_latency_p99_ms: latencyFigure(multi.localLatencies, 0.99),
            centre_local_lag_p99_ms: multi.lagP99Ms,
          }
        : {}),
      ingest_fraction_of_local: fraction,
      targets: {
        // With its own probes the centre's CPU is not its ingest's: these two do not apply.
        centre_le_0_05: CENTRE_PROBES ? null : centrePer1000 <= 0.05,
        centre_le_fifth_of_local: fraction === null || CENTRE_PROBES ? null : fraction <= 0.2,
        agents_le_local: localPer1000 === null ? null : agents.every((a) => a.cpu_s_per_1000_probes <= localPer1000),
        delay_p99_lt_1s: delayP99 === null ? null : delayP99 < 1_000,
      },
      machine: {
        busy_cores: round(outcome.machineBusyCores, 2),
        others_cores: round(outcome.othersCores, 2),
        steal_cores: round(outcome.stealCores, 2),
        farm_cores: round(outcome.farmCores, 2),
        bench_client_cores: round(outcome.benchCores, 2),
        busy_loops_cores: round(outcome.loadCores, 2),
        load_avg: outcome.load.map((l) => round(l, 2)),
      },
    };
  } finally {
    for (const child of load) await stopChild(child);
  }
}

let failed = false;
try {
  const farm = await startFarm();
  for (const name of SCENARIOS) {
    if (name !== 'quiet' && name !== 'loaded') throw new Error(`BENCH_SCENARIOS: unknown scenario "${name}"`);
    console.log(JSON.stringify(await scenario(name, farm.ports, farm.pid)));
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  for (const lab of labs) await lab.stop().catch(() => {});
  for (const child of [...children]) await stopChild(child);
}
process.exit(failed ? 1 : 0);
