/**
 * npm run bench:metrics (its second part), or node bench/remote-write.ts
 *
 * The CPU that remote write adds at 500 results/s (BENCH_RW_RATE): a child process feeds the
 * remote-write module (src/engine/remote-write) HTTPS results from 5,000 checks (success,
 * duration, status code, five phases, DNS time, certificate expiry: 10 samples each) at that
 * rate for BENCH_RW_SECONDS (default 20) after a warm-up of one round of the checks (11 s: each
 * series' labels are encoded on its first sample and kept): two feeders side by side, one with a
 * remote_write entry pointing at a receiver on loopback (in this process, which is not measured:
 * it reads each body and answers 204) and one with none, so both see the same load. The child's
 * own CPU (process.cpuUsage, user + system, all threads) with remote write minus without, per
 * 1,000 results, is the figure: BENCH_RW_ROUNDS pairs (default 3), each pair's difference and
 * their median. The queue is drained before the clock stops, so every sample was encoded,
 * compressed and sent. One JSON line.
 *
 * BENCH_RW_COMPARE=2000,10000 runs one remote-write feeder per max_samples_per_send listed, all
 * beside the same baseline in every round (the same load for each), and prints one JSON line
 * for each.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfigText } from '../src/engine/config/parse.ts';
import type { ResolvedCheck } from '../src/engine/checks.ts';
import type { CheckUpdate } from '../src/engine/engine.ts';
import { systemClock } from '../src/engine/clock.ts';
import { RemoteWriteModule } from '../src/engine/remote-write/module.ts';
import { REMOTE_WRITE_QUEUE_DEFAULTS } from '../src/shared/config/remote-write.ts';
import type { ProbeResult } from '../src/shared/model.ts';

const RATE = Number(process.env.BENCH_RW_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_RW_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_RW_ROUNDS ?? 3);
/** The queue's max_samples_per_send: Knockon's default unless asked. */
const MAX_SAMPLES = Number(process.env.BENCH_RW_MAX_SAMPLES ?? REMOTE_WRITE_QUEUE_DEFAULTS.max_samples_per_send);
/** Batch sizes measured side by side (BENCH_RW_COMPARE), or MAX_SAMPLES alone. */
const VARIANTS = (process.env.BENCH_RW_COMPARE ?? String(MAX_SAMPLES)).split(',').map(Number);
const CHECKS = 5_000;
/** One full round of the checks: every series' labels are encoded once, as in a running engine. */
const WARMUP_S = CHECKS / RATE + 1;

interface FeedReport {
  cpuMs: number;
  results: number;
  sent: number;
  dropped: number;
}

/** The child: feeds the module at RATE for WARMUP_S + SECONDS and reports the measured part. */
async function feed(url: string | undefined, maxSamples: number): Promise<FeedReport> {
  const parsed = parseConfigText(
    JSON.stringify({
      remote_write: url ? [{ url, queue: { batch_send_deadline: '1s', max_samples_per_send: maxSamples } }] : [],
    }),
    'bench.yaml',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const checks = Array.from(
    { length: CHECKS },
    (_, i) => ({ id: `check-${i}`, type: 'http', region: `region-${i % 8}` }) as ResolvedCheck,
  );
  const module = new RemoteWriteModule({ clock: systemClock, log: () => {} });
  module.onConfig(parsed.config, checks);
  const notAfter = Date.now() + 40 * 86_400_000;
  let n = 0;
  const deliver = () => {
    const check = checks[n % CHECKS]!;
    const latency = 10 + (n % 90);
    const result: ProbeResult = {
      checkId: check.id,
      startedAt: Date.now(),
      ok: true,
      latencyMs: latency,
      errorClass: null,
      message: 'HTTP 200',
      httpStatus: 200,
      phases: { dnsMs: 0.8, connectMs: 1.9, tlsMs: 6.4, ttfbMs: latency - 12, transferMs: 0.4 },
      tls: { daysLeft: 40, notAfter, subject: 'CN=x', issuer: 'CN=ca', authorized: true } as ProbeResult['tls'],
    };
    module.onCheckUpdate({ check, result, vantage: 'local' } as CheckUpdate);
    n++;
  };
  const run = (seconds: number) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const first = n;
      const timer = setInterval(() => {
        const elapsed = (performance.now() - start) / 1000;
        const due = first + Math.floor(Math.min(elapsed, seconds) * RATE);
        while (n < due) deliver();
        if (elapsed >= seconds) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
  await run(WARMUP_S);
  await module.drained();
  const sentBefore = module.health()[0]?.sent ?? 0;
  const before = process.cpuUsage();
  const first = n;
  await run(SECONDS);
  await module.drained();
  const used = process.cpuUsage(before);
  const health = module.health()[0];
  await module.stop();
  return {
    cpuMs: (used.user + used.system) / 1000,
    results: n - first,
    sent: (health?.sent ?? 0) - sentBefore,
    dropped: (health?.droppedQueueFull ?? 0) + (health?.droppedRejected ?? 0),
  };
}

function child(url: string | undefined, maxSamples = MAX_SAMPLES): Promise<FeedReport> {
  return new Promise((resolve, reject) => {
    const proc = fork(import.meta.filename, ['feed', url ?? '', String(maxSamples)]);
    proc.once('message', (m) => resolve(m as FeedReport));
    proc.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`feeder exited with ${code}`))));
  });
}

if (process.argv[2] === 'feed') {
  const report = await feed(process.argv[3] || undefined, Number(process.argv[4] || MAX_SAMPLES));
  if (process.send) process.send(report, () => process.exit(0));
  else console.log(JSON.stringify(report));
} else {
  /** Requests and bytes per variant: each feeder posts to its own path. */
  const received = VARIANTS.map(() => ({ requests: 0, bytes: 0 }));
  const sink = createServer((req, res) => {
    const into = received[Number(/\/(\d+)\/api/.exec(req.url ?? '')?.[1] ?? 0)]!;
    into.requests++;
    req.on('data', (c: Buffer) => (into.bytes += c.length));
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const url = (variant: number) => `http://127.0.0.1:${(sink.address() as AddressInfo).port}/${variant}/api/v1/write`;
  const per1000 = (r: FeedReport) => (r.cpuMs / 1000 / r.results) * 1000;
  const round = (x: number, places = 4) => Number(x.toFixed(places));
  // The feeders run side by side, so all see the same load from the rest of the machine;
  // ROUNDS of them, and the median of the differences is the figure.
  const rounds: { base: FeedReport; withRw: FeedReport[] }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const [base, ...withRw] = await Promise.all([child(undefined), ...VARIANTS.map((n, v) => child(url(v), n))]);
    rounds.push({ base: base!, withRw });
  }
  sink.close();
  VARIANTS.forEach((maxSamples, v) => {
    const added = rounds.map((r) => per1000(r.withRw[v]!) - per1000(r.base));
    const median = [...added].sort((a, b) => a - b)[Math.floor(added.length / 2)]!;
    const last = rounds.at(-1)!.withRw[v]!;
    console.log(
      JSON.stringify({
        bench: 'remote_write',
        results_per_s: RATE,
        seconds: SECONDS,
        rounds: ROUNDS,
        max_samples_per_send: maxSamples,
        results: last.results,
        samples_sent: last.sent,
        samples_dropped: last.dropped,
        requests_all_rounds: received[v]!.requests,
        kib_sent_all_rounds: Math.round(received[v]!.bytes / 1024),
        cpu_s_per_1000_results_baseline: rounds.map((r) => round(per1000(r.base))),
        cpu_s_per_1000_results_with_remote_write: rounds.map((r) => round(per1000(r.withRw[v]!))),
        cpu_s_per_1000_results_added: added.map((x) => round(x)),
        cpu_s_per_1000_results_added_median: round(median),
      }),
    );
  });
}
