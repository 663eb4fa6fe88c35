/**
 * npm run bench:metrics
 *
 * The cost of GET /metrics at 5,000 checks (BENCH_CHECKS): a real board server on loopback
 * (src/server/board-server.ts) over a board of that many HTTP checks (phases, status code and
 * certificate, as an HTTPS check's last probe leaves them), scraped over HTTP as Prometheus does.
 * Between scrapes every check's latency changes (`moving: latency`), or every value a probe sets:
 * latency, phases and the probe's time (`moving: all`, as when every check is probed within the
 * scrape interval; /metrics rewrites only the families whose samples changed, so this costs more). The server runs in a process of
 * its own; reported per scrape: its CPU (user + system, from /proc, 10 ms ticks: the mean over 30
 * scrapes is the figure, the per-scrape p50 and max are coarse), the bytes sent, and the wall
 * time; quiet and with two CPU-bound busy loops running (one per core of a 2-core machine).
 * At Prometheus's default 15 s interval, CPU per scrape / 15 s is the share of one core.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { startBoardServer } from '../src/server/board-server.ts';
import type { BoardSnapshot, CheckView } from '../src/shared/model.ts';
import { emptyBoard } from '../test/support/board.ts';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 5_000);
const SCRAPES = 30;

if (process.argv[2] === 'busy') {
  for (;;) Math.sqrt(Math.random());
}

function board(): BoardSnapshot {
  const b = emptyBoard(1);
  const now = Date.now();
  b.checks = Array.from({ length: CHECKS }, (_, i): CheckView => ({
    id: `check-${i}`,
    name: `Check ${i}`,
    type: 'http',
    target: `https://svc-${i}.example.net/health`,
    region: `region-${i % 8}`,
    intervalMs: 10_000,
    timeoutMs: 5_000,
    status: i % 97 === 0 ? 'down' : 'up',
    since: now - 3_600_000,
    lastProbeAt: now,
    latencyMs: 10 + (i % 50),
    errorClass: i % 97 === 0 ? 'connect_refused' : null,
    message: 'HTTP 200',
    consecutiveFailures: 0,
    consecutiveSuccesses: 10,
    details: {
      httpStatus: 200,
      phases: { dnsMs: 0.8, connectMs: 1.9, tlsMs: 6.4, ttfbMs: 12.25, transferMs: 0.4 },
      tls: { daysLeft: 40, notAfter: now + 40 * 86_400_000, subject: 'CN=x', issuer: 'CN=ca', authorized: true },
    },
  }));
  b.components = Array.from({ length: CHECKS / 10 }, (_, i): BoardSnapshot['components'][number] => ({
    id: `component-${i}`,
    name: `Component ${i}`,
    kind: 'api',
    region: `region-${i % 8}`,
    site: null,
    status: 'up',
    since: now,
    role: 'healthy',
    impactedBy: [],
    checks: Array.from({ length: 10 }, (_, k) => `check-${i * 10 + k}`),
    dependsOn: [],
    flapping: false,
  }));
  return b;
}

/** One scrape, as Prometheus makes it; the bytes received. */
function scrape(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(bytes));
    })
      .on('error', reject)
      .end();
  });
}

/** User + system CPU of a process, ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number) => Math.round(n * 10) / 10;

/** The board server, in a process of its own so that its CPU is measured alone. */
async function serve(): Promise<void> {
  const snapshot = board();
  const server = await startBoardServer({
    source: {
      current: () => snapshot,
      subscribe: () => () => {},
      request: async () =>
        ({
          scheduler: {
            inFlight: 12,
            maxInFlight: 256,
            queued: 0,
            delayedByLimit: 0,
            skippedOverlaps: 0,
            droppedByQueueLimit: 0,
            lagP50Ms: 1,
            lagP99Ms: 4,
          },
          store: { queued: 40, flushed: 1_000_000, dropped: 0, flushFailures: 0 },
          notifications: [],
        }) as never,
    },
    staticDir: '/nonexistent',
    port: 0,
    token: 'bench',
  });
  let moves = 0;
  process.on('message', (what) => {
    // Probes move every check's latency between scrapes; with 'all', every value a probe sets
    // (phases, the probe's time) moves too, as when every check is probed within the interval.
    moves++;
    const now = Date.now();
    for (const c of snapshot.checks) {
      c.latencyMs = 10 + ((c.latencyMs! * 7.3 + moves) % 90);
      if (what !== 'all') continue;
      c.lastProbeAt = now - Math.floor((c.latencyMs % 7) * 1000);
      const l = c.latencyMs;
      c.details!.phases = { dnsMs: l / 40, connectMs: l / 20, tlsMs: l / 8, ttfbMs: l / 2, transferMs: l / 100 };
    }
    process.send!('moved');
  });
  process.send!(new URL('/metrics', server.url).href);
}

async function scenario(name: 'quiet' | 'loaded', moving: 'latency' | 'all'): Promise<void> {
  const busy: ChildProcess[] =
    name === 'loaded' ? [fork(import.meta.filename, ['busy']), fork(import.meta.filename, ['busy'])] : [];
  const server = fork(import.meta.filename, ['serve']);
  const next = () => new Promise<unknown>((resolve) => server.once('message', resolve));
  const url = String(await next());
  const cpu: number[] = [];
  const wall: number[] = [];
  let bytes = 0;
  await scrape(url); // warm-up: label texts and line prefixes are made once
  const total = cpuMs(server.pid!);
  for (let i = 0; i < SCRAPES; i++) {
    server.send(moving);
    await next();
    const before = cpuMs(server.pid!);
    const start = performance.now();
    bytes = await scrape(url);
    wall.push(performance.now() - start);
    cpu.push(cpuMs(server.pid!) - before);
  }
  const mean = (cpuMs(server.pid!) - total) / SCRAPES;
  server.kill('SIGKILL');
  for (const child of busy) child.kill('SIGKILL');
  console.log(
    JSON.stringify({
      bench: 'metrics',
      scenario: name,
      moving,
      checks: CHECKS,
      scrapes: SCRAPES,
      server_cpu_ms_per_scrape_mean: round(mean),
      server_cpu_ms_per_scrape_p50: round(median(cpu)),
      server_cpu_ms_per_scrape_max: round(Math.max(...cpu)),
      bytes_per_scrape: bytes,
      wall_ms_p50: round(median(wall)),
      core_share_at_15s_pct: round((mean / 15_000) * 100),
    }),
  );
}

if (process.argv[2] === 'serve') await serve();
else {
  for (const moving of ['latency', 'all'] as const) {
    await scenario('quiet', moving);
    await scenario('loaded', moving);
  }
}
