/**
 * The remote-write sender against a real HTTP server on loopback that answers as the test
 * scripts it (the real receivers are in receivers.integration.test.ts): the body decoded back
 * from snappy and protobuf, the spec's headers, its retry rules, credentials, and the bound.
 * Timers run at once but every delay asked for is recorded, so back-off is asserted exactly.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { uncompress } from 'snappyjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/engine/clock.ts';
import { emptyBatch, SampleQueue } from '../../../src/engine/remote-write/queue.ts';
import { RemoteWriteSender, retryAfter } from '../../../src/engine/remote-write/sender.ts';
import { encodeLabels } from '../../../src/engine/remote-write/wire.ts';
import { remoteWriteSchema } from '../../../src/shared/config/remote-write.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { HttpTarget } from '../../support/http-target.ts';

interface Received {
  headers: IncomingHttpHeaders;
  series: { labels: [string, string][]; samples: [number, number][] }[];
}

/** Reads protobuf's wire format: (field, wire type, payload) triples of one message. */
function* fields(buf: Uint8Array): Generator<[number, number, Uint8Array | number]> {
  let at = 0;
  const varint = () => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = buf[at++]!;
      n += (b & 127) * scale;
      if (b < 128) return n;
      scale *= 128;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const type = key % 8;
    if (type === 2) {
      const len = varint();
      yield [Math.floor(key / 8), type, buf.subarray(at, at + len)];
      at += len;
    } else if (type === 1) {
      yield [Math.floor(key / 8), type, new DataView(buf.buffer, buf.byteOffset + at, 8).getFloat64(0, true)];
      at += 8;
    } else yield [Math.floor(key / 8), type, varint()];
  }
}

function decode(body: Buffer): Received['series'] {
  const text = (b: Uint8Array | number) => Buffer.from(b as Uint8Array).toString();
  return [...fields(uncompress(new Uint8Array(body)))].map(([, , ts]) => {
    const series: Received['series'][number] = { labels: [], samples: [] };
    for (const [field, , part] of fields(ts as Uint8Array)) {
      const inner = [...fields(part as Uint8Array)];
      if (field === 1) series.labels.push([text(inner[0]![2]), text(inner[1]![2])]);
      else series.samples.push([inner[0]![2] as number, inner[1]![2] as number]);
    }
    return series;
  });
}

/** A receiver answering each request with the next scripted status (then 204). */
async function receiver(script: { status: number; headers?: Record<string, string> }[]) {
  const received: Received[] = [];
  const target = await new HttpTarget((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, series: decode(Buffer.concat(chunks)) });
      const answer = script.shift() ?? { status: 204 };
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.status >= 400 ? 'refused by script' : '');
    });
  }).start();
  return { target, received };
}

/** Real timers, at once; the delays asked for are kept. */
function recordingClock(delays: number[]): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      return setTimeout(fn, 0);
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

const config = (url: string, extra: object = {}) =>
  remoteWriteSchema.parse({
    url,
    queue: {
      capacity: 100,
      max_samples_per_send: 3,
      batch_send_deadline: '1s',
      min_backoff: '100ms',
      max_backoff: '1s',
    },
    ...extra,
  });

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function sender(script: Parameters<typeof receiver>[0], extra: object = {}, env = {}) {
  const { target, received } = await receiver(script);
  const delays: number[] = [];
  const s = new RemoteWriteSender(config(`${target.url}/api/v1/write`, extra), {
    clock: recordingClock(delays),
    env,
    random: () => 0.5,
  });
  stops.push(
    () => s.stop(),
    () => target.stop(),
  );
  return { s, received, delays };
}

const api = encodeLabels({ __name__: 'probe_success', check: 'api', component: '', region: 'hk', vantage: 'local' });
const db = encodeLabels({ __name__: 'probe_success', check: 'db', region: 'hk', vantage: 'local' });

describe('remote write sender', () => {
  it('posts a snappy-compressed WriteRequest with the spec headers, a TimeSeries per sample in order, labels sorted', async () => {
    const { s, received, delays } = await sender([]);
    s.push(api, 1, 1_700_000_000_123);
    s.push(db, 0, 1_700_000_000_456);
    s.push(api, 0.25, 1_700_000_001_123);
    await s.drained();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
    });
    expect(received[0]!.headers.authorization).toBeUndefined();
    const labels = (check: string) => [
      ['__name__', 'probe_success'],
      ['check', check],
      ['region', 'hk'],
      ['vantage', 'local'],
    ];
    // As Prometheus's own queue sends them: each sample its own TimeSeries, a series' samples in time order.
    expect(received[0]!.series).toEqual([
      { labels: labels('api'), samples: [[1, 1_700_000_000_123]] },
      { labels: labels('db'), samples: [[0, 1_700_000_000_456]] },
      { labels: labels('api'), samples: [[0.25, 1_700_000_001_123]] },
    ]);
    // A full batch goes at once, not after the deadline.
    expect(delays).toEqual([1_000, 0]);
    expect(s.health()).toMatchObject({ sent: 3, queued: 0, droppedRejected: 0, failedRequests: 0, retrying: false });
  });

  it('retries 5xx and 429 with back-off and jitter, honours Retry-After, and drops a 4xx batch, counted', async () => {
    const { s, received, delays } = await sender([
      { status: 503 },
      { status: 500 },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 204 },
      { status: 400 },
    ]);
    for (let i = 0; i < 6; i++) s.push(api, i, 1_700_000_000_000 + i);
    await s.drained();
    // The deadline armed by the first sample; back-off with random 0.5: 0.75 of 100 ms, then of
    // 200 ms; then the 7 s the receiver asked for.
    expect(delays.filter((d) => d > 0)).toEqual([1_000, 75, 150, 7_000]);
    expect(received.map((r) => r.series.flatMap((x) => x.samples.map(([v]) => v)))).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(s.health()).toMatchObject({
      sent: 3,
      droppedRejected: 3,
      failedRequests: 3,
      lastError: 'HTTP 400: refused by script',
    });
  });

  it('sends a bearer token or basic credentials from the environment, and waits for a secret not yet set', async () => {
    const bearer = await sender([], { bearer_token_env: 'RW_TOKEN' }, { RW_TOKEN: 't0ken' });
    bearer.s.push(api, 1, 1);
    bearer.s.push(api, 1, 2);
    bearer.s.push(api, 1, 3);
    await bearer.s.drained();
    expect(bearer.received[0]!.headers.authorization).toBe('Bearer t0ken');

    const env: Record<string, string> = {};
    const basic = await sender([], { basic_auth: { username: 'knockon', password_env: 'RW_PASS' } }, env);
    for (let i = 0; i < 3; i++) basic.s.push(api, 1, i);
    const sent = basic.s.drained();
    await new Promise<void>(function poll(resolve) {
      if (basic.s.health().failedRequests >= 2) resolve();
      else setTimeout(() => poll(resolve), 5);
    });
    expect(basic.s.health().lastError).toBe('environment variable RW_PASS is not set');
    expect(basic.received).toHaveLength(0);
    env.RW_PASS = 'pa:ss';
    await sent;
    expect(basic.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('knockon:pa:ss').toString('base64')}`);
    expect(basic.s.health().sent).toBe(3);
  });

  it('writes lengths and timestamps of every varint size', async () => {
    const { s, received } = await sender([]);
    const long = encodeLabels({ __name__: 'probe_success', check: 'c'.repeat(20_000) });
    const short = encodeLabels({ __name__: 'probe_success', check: 'c'.repeat(130) }, new Map());
    s.push(long, 1, 5);
    s.push(short, 2, 2 ** 28 - 1);
    s.push(short, 3, 2 ** 52 + 1);
    await s.drained();
    const series = received[0]!.series;
    expect(series.map((x) => x.labels[1]![1].length)).toEqual([20_000, 130, 130]);
    expect(series.flatMap((x) => x.samples)).toEqual([
      [1, 5],
      [2, 2 ** 28 - 1],
      [3, 2 ** 52 + 1],
    ]);
  });

  it('gives a request up after remote_timeout and retries it; stopping ends the one in flight', async () => {
    const silent = await new HttpTarget(() => {}).start(); // reads requests, never answers
    const s = new RemoteWriteSender(config(`${silent.url}/api/v1/write`, { remote_timeout: '50ms' }), {
      clock: recordingClock([]),
      random: () => 0.5,
    });
    stops.push(() => silent.stop());
    for (let i = 0; i < 3; i++) s.push(api, i, 1_700_000_000_000 + i);
    await new Promise<void>(function poll(resolve) {
      if (s.health().failedRequests >= 2) resolve();
      else setTimeout(() => poll(resolve), 5);
    });
    expect(s.health().lastError).toMatch(/^TimeoutError: /);
    expect(s.health().retrying).toBe(true);
    await s.stop();
    await s.drained();
    expect(s.health().sent).toBe(0);
  });

  it('keeps at most its capacity, dropping the oldest first and counting them', () => {
    const q = new SampleQueue(3);
    for (let i = 1; i <= 5; i++) q.push(api, i, 1_000 + i);
    expect(q.dropped).toBe(2);
    expect([...q.take(2).values]).toEqual([3, 4]);
    q.push(db, 6, 1_006);
    // Into a batch kept by the caller: its first `length` entries are the samples.
    const kept = emptyBatch(10);
    kept.values.fill(-1);
    const rest = q.take(10, kept);
    expect(rest).toBe(kept);
    expect(rest.length).toBe(2);
    expect([...rest.values.subarray(0, 3)]).toEqual([5, 6, -1]);
    expect([...rest.timestamps.subarray(0, 2)]).toEqual([1_005, 1_006]);
    expect(rest.labels.slice(0, 2)).toEqual([api, db]);
    expect(q.length).toBe(0);
    expect(q.take(10, kept).length).toBe(0);
  });

  it('reads Retry-After as seconds or an HTTP date, capped at 5 minutes', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfter('3', now)).toBe(3_000);
    expect(retryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfter('86400', now)).toBe(300_000);
    expect(retryAfter('soon', now)).toBeNull();
    expect(retryAfter(undefined, now)).toBeNull();
  });
});

describe('remote_write config', () => {
  const issues = (remote_write: object[]) => {
    const outcome = parseConfigText(JSON.stringify({ remote_write }), 'k.yaml');
    return outcome.ok ? [] : outcome.issues.map((i) => `${i.field}: ${i.message}`);
  };

  it('fills Prometheus-like queue defaults (larger batches than Prometheus: fewer posts)', () => {
    const outcome = parseConfigText(
      JSON.stringify({ remote_write: [{ url: 'http://mimir:9009/api/v1/push' }] }),
      'k.yaml',
    );
    expect(outcome.ok && outcome.config.remote_write[0]).toMatchObject({
      remote_timeout: 30_000,
      queue: { capacity: 50_000, max_samples_per_send: 5_000, batch_send_deadline: 5_000 },
    });
  });

  it('names the field of a bad entry', () => {
    expect(issues([{ url: 'ftp://x' }])).toEqual([expect.stringContaining('remote_write[0].url: ')]);
    expect(
      issues([{ url: 'http://x/w', bearer_token_env: 'A', basic_auth: { username: 'u', password_env: 'B' } }]),
    ).toEqual([
      expect.stringMatching(/^remote_write\[0\]\.basic_auth: give bearer_token_env or basic_auth, not both$/),
    ]);
    expect(issues([{ url: 'http://x/w', queue: { capacity: 100, max_samples_per_send: 500 } }])).toEqual([
      expect.stringMatching(/^remote_write\[0\]\.queue\.max_samples_per_send: /),
    ]);
  });
});
