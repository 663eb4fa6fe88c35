import { describe, expect, it } from 'vitest';
import { decodeResults, encodeResults, ResultColumnsSchema } from '../../../src/engine/store/result-columns.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';

const T = 1_800_000_000_000;

describe('results to the store thread as columns', () => {
  it('carries every field of every result exactly, through a real structured clone', () => {
    const results: ProbeResult[] = [
      {
        checkId: 'api',
        startedAt: T,
        ok: true,
        latencyMs: 1.234_567,
        errorClass: null,
        message: 'HTTP 200',
        httpStatus: 200,
        vantage: 'sg',
        phases: { dnsMs: 0, connectMs: 0.3, tlsMs: 0, ttfbMs: 0.7, transferMs: 0.2 },
      },
      {
        checkId: 'api',
        startedAt: T + 1,
        ok: false,
        latencyMs: null,
        errorClass: 'timeout',
        message: 'timed out',
        maintenance: true,
      },
      {
        checkId: 'db',
        startedAt: T + 2,
        ok: true,
        latencyMs: 3,
        errorClass: null,
        message: 'HTTP 200',
        vantage: 'sg',
        degraded: true,
      },
    ];
    const { columns, transfer } = encodeResults(results);
    expect(columns.checks).toEqual(['api', 'db']);
    expect(columns.messages).toEqual(['HTTP 200', 'timed out']);
    const copy = structuredClone(columns, { transfer });
    // Moved, not copied: this side's buffers are empty now.
    expect(columns.numbers.length).toBe(0);
    expect(decodeResults(ResultColumnsSchema.parse(copy))).toEqual({ results, error: null });
  });

  it('keeps what the store refuses refusable (no check id, a vantage that is not text) and the rest as it was', () => {
    const odd = [
      { checkId: 7, startedAt: T, ok: true, latencyMs: 1, errorClass: null, message: 'x' },
      { checkId: 'a', startedAt: T, ok: true, latencyMs: 1, errorClass: null, message: 'x', vantage: 3 },
      { checkId: 'b', startedAt: Number.NaN, ok: 'yes', latencyMs: Number.NaN, errorClass: 5, message: 'x' },
    ] as unknown as ProbeResult[];
    const { results } = decodeResults(encodeResults(odd).columns);
    expect(results[0]!.checkId).toBe('');
    expect(results[1]!.vantage).toBeNull();
    expect(results[2]).toMatchObject({ checkId: 'b', ok: false, latencyMs: null, errorClass: null });
    expect(results[2]!.startedAt).toBeNaN();
  });

  it('gives no result, and says why, when the columns do not agree', () => {
    const { columns } = encodeResults([
      { checkId: 'api', startedAt: T, ok: true, latencyMs: 1, errorClass: null, message: 'ok' },
    ]);
    expect(decodeResults({ ...columns, count: 2 })).toEqual({
      results: [],
      error: "a write's 2 results came with columns of other lengths",
    });
    expect(decodeResults({ ...columns, rest: 'nope' }).results).toEqual([]);
    expect(decodeResults({ ...columns, checks: [] })).toEqual({
      results: [],
      error: "a write's result 0 indexes outside its tables",
    });
  });
});
