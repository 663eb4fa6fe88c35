/**
 * node bench/sync-floor.ts: what an agent sync costs the centre before any of its results is
 * looked at, on this machine: the transport alone, in this process's CPU (every thread).
 *
 *   idle       nothing but the process (the baseline subtracted from the others)
 *   http       a keep-alive HTTP POST of a sync-sized body, read whole and answered with a small
 *              JSON body, as the agent door does (the client is another process, not counted)
 *   hop        a round trip to a worker thread and back, as an RPC to the engine is (no HTTP)
 *   http+hop   both: the body posted to the worker as a string, the answer from it
 *
 * Requests come at SYNC_FLOOR_RATE a second (9: three agents syncing every 350 ms) for
 * SYNC_FLOOR_WINDOW_S (30) after a few seconds of warm-up; the body is SYNC_FLOOR_BODY_BYTES
 * (12,000: about 70 results in the compact batch). One JSON line per variant: the process's
 * CPU ms per request above idle, and idle's CPU ms per second.
 *
 * Why: at 600 results a second from three agents, a centre whose sync costs 1 ms before its
 * results spends 0.015 CPU-s per 1,000 results on that alone (docs/BENCHMARKS.md, "What a sync
 * costs before its results").
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';

const env = process.env;
const RATE = Number(env.SYNC_FLOOR_RATE ?? 9);
const WINDOW_S = Number(env.SYNC_FLOOR_WINDOW_S ?? 30);
const WARMUP_S = 3;
const BODY_BYTES = Number(env.SYNC_FLOOR_BODY_BYTES ?? 12_000);
const VARIANTS = ['idle', 'http', 'hop', 'http+hop'] as const;
type Variant = (typeof VARIANTS)[number];

/** The worker the hop goes to: answers each request with a small result, as the engine does. */
const ECHO = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => parentPort.postMessage({
  v: 1, seq: m.id, kind: 'response', id: m.id, ok: true,
  result: { status: 200, body: { v: 2, ack: m.id, accepted: m.id, at: Date.now() } },
}));`;

/** The agent: keep-alive POSTs at the rate, in its own process so its CPU is not counted. */
const CLIENT = `
const http = require('node:http');
const [port, rate, seconds, bytes] = process.argv.slice(1).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ results: 'x'.repeat(Math.max(0, bytes - 16)) });
const post = () => new Promise((resolve, reject) => {
  const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/agent/sync', agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end(body);
});
(async () => {
  const end = Date.now() + seconds * 1000;
  let next = Date.now();
  while (Date.now() < end) {
    await post();
    next += 1000 / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });`;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
}

async function measure(variant: Variant): Promise<{ requests: number; cpuMs: number; seconds: number }> {
  const worker = variant === 'hop' || variant === 'http+hop' ? new Worker(ECHO, { eval: true }) : null;
  const pending = new Map<number, (answer: unknown) => void>();
  let nextId = 0;
  worker?.on('message', (m: { id: number; result: unknown }) => {
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  const hop = (params: unknown): Promise<unknown> =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      worker!.postMessage({ v: 1, kind: 'request', id, method: 'agent.sync', params });
    });
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = (result: unknown) => {
        const text = JSON.stringify(result);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(text);
        requests++;
      };
      if (worker) void hop({ token: 'bench', body, from: '127.0.0.1' }).then(answer);
      else answer({ v: 2, ack: requests, at: Date.now() });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const total = WARMUP_S + WINDOW_S;
  let stopHops: (() => void) | null = null;
  let client: ReturnType<typeof spawn> | null = null;
  if (variant === 'http' || variant === 'http+hop') {
    client = spawn(process.execPath, ['-e', CLIENT, String(port), String(RATE), String(total), String(BODY_BYTES)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } else if (variant === 'hop') {
    const timer = setInterval(
      () => void hop({ token: 'bench', body: 'x'.repeat(BODY_BYTES), from: '-' }).then(() => requests++),
      1_000 / RATE,
    );
    stopHops = () => clearInterval(timer);
  }
  await new Promise((r) => setTimeout(r, WARMUP_S * 1_000));
  const [r0, c0, t0] = [requests, cpuMs(), performance.now()];
  await new Promise((r) => setTimeout(r, WINDOW_S * 1_000 - 500));
  const [r1, c1, t1] = [requests, cpuMs(), performance.now()];
  stopHops?.();
  if (client) await new Promise((r) => client.once('exit', r));
  await new Promise((r) => server.close(r));
  await worker?.terminate();
  return { requests: r1 - r0, cpuMs: c1 - c0, seconds: (t1 - t0) / 1_000 };
}

const chosen = (env.SYNC_FLOOR_VARIANTS ?? VARIANTS.join(',')).split(',').map((v) => v.trim()) as Variant[];
for (const v of chosen) if (!VARIANTS.includes(v)) throw new Error(`SYNC_FLOOR_VARIANTS: unknown variant ${v}`);
const idle = await measure('idle');
const idlePerS = idle.cpuMs / idle.seconds;
console.log(JSON.stringify({ bench: 'sync-floor', variant: 'idle', cpu_ms_per_s: Number(idlePerS.toFixed(3)) }));
for (const variant of chosen.filter((v) => v !== 'idle')) {
  const m = await measure(variant);
  const above = m.cpuMs - idlePerS * m.seconds;
  console.log(
    JSON.stringify({
      bench: 'sync-floor',
      variant,
      rate: RATE,
      body_bytes: BODY_BYTES,
      requests: m.requests,
      cpu_ms_per_request: Number((above / Math.max(1, m.requests)).toFixed(3)),
      cpu_s_per_1000_results_at_600_per_s: Number((above / m.seconds / 600).toFixed(4)),
      load_avg: loadavg()
        .slice(0, 2)
        .map((x) => Number(x.toFixed(2))),
    }),
  );
}
