import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from '../../../src/engine/store/chunk-codec.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { HttpResults } from '../../../bench/http-results.ts';
import { T0 } from './helpers.ts';

const q = (ms: number) => Math.round(ms * 100) / 100;

function quantised(r: ProbeResult): ProbeResult {
  const out = { ...r, latencyMs: r.latencyMs === null ? null : q(r.latencyMs) };
  if (r.phases) {
    out.phases = Object.fromEntries(
      Object.entries(r.phases).map(([k, v]) => [k, q(v)]),
    ) as unknown as ProbeResult['phases'];
  }
  return out;
}

describe('the chunk codec', () => {
  const mixed: ProbeResult[] = [
    {
      checkId: 'hk-lb',
      startedAt: T0,
      ok: true,
      latencyMs: 23.456789,
      errorClass: null,
      message: 'HTTP 200',
      httpStatus: 200,
      phases: { dnsMs: 0.41234, connectMs: 1.2, tlsMs: 3.3, ttfbMs: 18.1, transferMs: 0.3 },
    },
    {
      checkId: 'hk-lb',
      startedAt: T0 + 10_002,
      ok: false,
      latencyMs: null,
      errorClass: 'connect_refused',
      message: 'refused',
    },
    {
      checkId: 'hk-lb',
      startedAt: T0 + 20_001,
      ok: true,
      latencyMs: 40,
      errorClass: null,
      message: 'HTTP 301 then 200',
      httpStatus: 200,
      degraded: true,
      finalUrl: 'https://hk-lb.example.net/health/',
      headers: { 'x-backend': 'sg-2' },
      tls: { daysLeft: 12, notAfter: T0 + 12 * 86_400_000, issuer: 'CN=test', subject: 'CN=hk-lb', authorized: true },
    },
    {
      checkId: 'hk-lb',
      startedAt: T0 + 20_001,
      ok: false,
      latencyMs: 5_000.004,
      errorClass: 'read_timeout',
      message: 'no response within 5000 ms',
      // Phases of another shape than the five: kept as they are, in the result's details.
      phases: { dnsMs: 1, connectMs: 2 } as unknown as ProbeResult['phases'],
    },
  ];

  it('gives back every field, timings to 10 µs, with and without deflate', () => {
    for (const deflate of [true, false]) {
      const back = decodeChunk(encodeChunk(mixed, { deflate }), 'hk-lb');
      expect(back).toEqual(mixed.map(quantised));
    }
  });

  it('files decoded results under the vantage it is given', () => {
    const back = decodeChunk(encodeChunk(mixed), 'hk-lb', 'sg');
    expect(back.every((r) => r.vantage === 'sg')).toBe(true);
    expect(decodeChunk(encodeChunk([]), 'x')).toEqual([]);
  });

  it('keeps an hour of an HTTP check in at most 12 bytes a result', () => {
    const gen = new HttpResults(20);
    const byCheck: ProbeResult[][] = Array.from({ length: 20 }, () => []);
    for (let slot = T0; slot < T0 + 3_600_000; slot += 10_000) {
      for (let c = 0; c < 20; c++) byCheck[c]!.push(gen.next(c, slot));
    }
    let bytes = 0;
    for (const results of byCheck) {
      const blob = encodeChunk(results);
      bytes += blob.length;
      expect(decodeChunk(blob, 'check')).toHaveLength(360);
    }
    expect(bytes / (20 * 360)).toBeLessThan(12);
  });

  it('refuses a damaged chunk rather than inventing results', () => {
    const blob = encodeChunk(mixed, { deflate: false });
    expect(() => decodeChunk(blob.subarray(0, blob.length - 3), 'hk-lb')).toThrow();
    expect(() => decodeChunk(Uint8Array.of(9, 1, 2), 'hk-lb')).toThrow(/unknown chunk version 9/);
  });
});
