/**
 * Results on their way from the engine thread to the store thread (a write of StoreClient), as
 * columns instead of one object per result: structured cloning hundreds of small objects a
 * second cost more than anything else on that path. The numbers go in one Float64Array and the
 * indexes in one Int32Array (both transferred, not copied); check ids, vantages, messages and
 * error classes are written once per write and indexed; whatever else a result carries (phases,
 * HTTP status, certificate, maintenance, …) goes as one JSON text for the whole write. The store
 * thread rebuilds each result (decodeResults) and sanitises it as before (HistoryStore.record).
 */
import { z } from 'zod';
import type { ProbeResult } from '../../shared/model.ts';

/** Per result: [startedAt, latencyMs (NaN: null)] and [check, vantage (-1: none), message, errorClass (-1: null), ok]. */
const NUMBERS = 2;
const INDEXES = 5;
/** An index for none (no vantage, no error class), and for a value that was not text. */
const NONE = -1;
const NOT_TEXT = -2;

export const ResultColumnsSchema = z.strictObject({
  count: z.int().min(0),
  checks: z.array(z.string()),
  vantages: z.array(z.string()),
  messages: z.array(z.string()),
  errors: z.array(z.string()),
  numbers: z.instanceof(Float64Array),
  indexes: z.instanceof(Int32Array),
  /** JSON: an array with, per result, an object of its other fields or null. */
  rest: z.string(),
});
export type ResultColumns = z.infer<typeof ResultColumnsSchema>;

/** The fields the columns carry; the rest of each result goes in `rest`. */
const COLUMN_KEYS = new Set(['checkId', 'vantage', 'startedAt', 'latencyMs', 'message', 'errorClass', 'ok']);

class Table {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.list.push(value) - 1;
      this.index.set(value, i);
    }
    return i;
  }
}

/** The results as columns; `transfer` lists the buffers to move with the message. */
export function encodeResults(results: readonly ProbeResult[]): { columns: ResultColumns; transfer: ArrayBuffer[] } {
  const n = results.length;
  const numbers = new Float64Array(n * NUMBERS);
  const indexes = new Int32Array(n * INDEXES);
  const checks = new Table();
  const vantages = new Table();
  const messages = new Table();
  const errors = new Table();
  const rest: (Record<string, unknown> | null)[] = new Array<Record<string, unknown> | null>(n);
  for (let i = 0; i < n; i++) {
    const r = results[i]!;
    numbers[i * NUMBERS] = r.startedAt;
    numbers[i * NUMBERS + 1] = r.latencyMs === null ? NaN : r.latencyMs;
    const at = i * INDEXES;
    // What the store would refuse stays refusable: no check id, a vantage that is not text.
    indexes[at] = typeof r.checkId === 'string' ? checks.of(r.checkId) : NOT_TEXT;
    indexes[at + 1] =
      r.vantage === undefined ? NONE : typeof r.vantage === 'string' ? vantages.of(r.vantage) : NOT_TEXT;
    indexes[at + 2] = messages.of(String(r.message ?? ''));
    indexes[at + 3] = typeof r.errorClass === 'string' ? errors.of(r.errorClass) : NONE;
    indexes[at + 4] = r.ok === true ? 1 : 0;
    let other: Record<string, unknown> | null = null;
    for (const key in r) {
      if (COLUMN_KEYS.has(key)) continue;
      const value = (r as unknown as Record<string, unknown>)[key];
      if (value !== undefined) (other ??= {})[key] = value;
    }
    rest[i] = other;
  }
  const columns: ResultColumns = {
    count: n,
    checks: checks.list,
    vantages: vantages.list,
    messages: messages.list,
    errors: errors.list,
    numbers,
    indexes,
    rest: JSON.stringify(rest),
  };
  return { columns, transfer: [numbers.buffer, indexes.buffer] };
}

/**
 * The results again, in order. A write whose columns do not agree (lengths, an index outside its
 * table, `rest` not an array of the right length) gives none, and says why.
 */
export function decodeResults(columns: ResultColumns): { results: ProbeResult[]; error: string | null } {
  const { count: n, numbers, indexes } = columns;
  let rest: unknown;
  try {
    rest = JSON.parse(columns.rest);
  } catch {
    rest = null;
  }
  if (numbers.length !== n * NUMBERS || indexes.length !== n * INDEXES || !Array.isArray(rest) || rest.length !== n) {
    return { results: [], error: `a write's ${n} results came with columns of other lengths` };
  }
  const results: ProbeResult[] = new Array<ProbeResult>(n);
  for (let i = 0; i < n; i++) {
    const at = i * INDEXES;
    const checkId = indexes[at] === NOT_TEXT ? '' : columns.checks[indexes[at]!];
    const v = indexes[at + 1]!;
    const vantage = v === NONE ? undefined : v === NOT_TEXT ? null : columns.vantages[v];
    const message = columns.messages[indexes[at + 2]!];
    const errorClass = indexes[at + 3] === NONE ? null : columns.errors[indexes[at + 3]!];
    if (
      checkId === undefined ||
      message === undefined ||
      errorClass === undefined ||
      (vantage === undefined && v !== NONE)
    ) {
      return { results: [], error: `a write's result ${i} indexes outside its tables` };
    }
    const latency = numbers[i * NUMBERS + 1]!;
    const other: unknown = rest[i];
    const result = {
      ...(typeof other === 'object' && other !== null ? other : {}),
      checkId,
      startedAt: numbers[i * NUMBERS]!,
      ok: indexes[at + 4] === 1,
      latencyMs: Number.isNaN(latency) ? null : latency,
      errorClass,
      message,
    } as ProbeResult;
    // null: a vantage that was not text, which the store refuses as it did before.
    if (vantage !== undefined) result.vantage = vantage as string;
    results[i] = result;
  }
  return { results, error: null };
}
