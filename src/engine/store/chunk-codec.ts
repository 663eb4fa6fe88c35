import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { PhaseTimings, ProbeResult } from '../../shared/model.ts';
import { ByteReader, ByteWriter } from './varint.ts';

/**
 * One (check, vantage)'s results of one window as a compact, columnar blob (the measurements
 * that chose this layout are in docs/ARCHITECTURE.md, "History store"):
 *
 * - start times: the first, then delta-of-delta (a probe on its grid costs one byte);
 * - a "shape" per result, run-length encoded over a dictionary of the chunk's distinct shapes:
 *   ok, error class, HTTP status, message and every other field (tls, dns, headers…) as JSON.
 *   A steady check is one run; a failure or a change is a new entry, kept in full;
 * - latency and the five HTTP phases as integers of `quantum` per ms (10 µs by default),
 *   each column delta-encoded: a few bytes per result, whatever the data.
 *
 * Nothing the board shows is lost; timings are rounded to the quantum.
 */

const PLAIN = 1;
const DEFLATED = 2;
const PHASES = ['dnsMs', 'connectMs', 'tlsMs', 'ttfbMs', 'transferMs'] as const;
/** Fields that have columns of their own (or live in the chunk's key). */
const COLUMNS = new Set(['checkId', 'vantage', 'startedAt', 'ok', 'latencyMs', 'errorClass', 'message']);

export interface ChunkOptions {
  /** Timing units per ms: 100 keeps 10 µs. */
  quantum?: number;
  /** Deflate the columns when it makes them smaller. */
  deflate?: boolean;
}

const DEFAULTS: Required<ChunkOptions> = { quantum: 100, deflate: true };

type Shape = [
  ok: 0 | 1,
  errorClass: string | null,
  hasLatency: 0 | 1,
  hasPhases: 0 | 1,
  httpStatus: number | null,
  message: string,
  extra: string | null,
];

/** The phases as numbers when they are exactly the five the HTTP probe measures. */
function phaseColumns(r: ProbeResult): PhaseTimings | null {
  const p = r.phases as unknown;
  if (typeof p !== 'object' || p === null) return null;
  const keys = Object.keys(p);
  if (keys.length !== PHASES.length) return null;
  for (const k of PHASES) {
    const v = (p as Record<string, unknown>)[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  }
  return p as PhaseTimings;
}

/** Timings (fields named …Ms) to the microsecond: beyond is timer noise. */
function roundTimings(key: string, value: unknown): unknown {
  return typeof value === 'number' && key.endsWith('Ms') && !Number.isInteger(value)
    ? Math.round(value * 1_000) / 1_000
    : value;
}

function shapeOf(r: ProbeResult, phases: PhaseTimings | null): Shape {
  let extra: Record<string, unknown> | null = null;
  const status = typeof r.httpStatus === 'number' && Number.isInteger(r.httpStatus) ? r.httpStatus : null;
  // for…in, not Object.entries: no array of pairs per result (sealing encodes an hour's).
  for (const k in r) {
    const v = (r as unknown as Record<string, unknown>)[k];
    if (COLUMNS.has(k) || v === undefined) continue;
    if (k === 'phases' && phases) continue;
    if (k === 'httpStatus' && status !== null) continue;
    (extra ??= {})[k] = v;
  }
  let extraJson: string | null = null;
  if (extra) {
    try {
      extraJson = JSON.stringify(extra, roundTimings) ?? null;
    } catch {
      // Not JSON-able (a BigInt, a cycle): the columns are still worth keeping.
    }
  }
  return [r.ok ? 1 : 0, r.errorClass, r.latencyMs === null ? 0 : 1, phases ? 1 : 0, status, r.message, extraJson];
}

/** Encodes results of one (check, vantage), sorted by start time. */
export function encodeChunk(results: readonly ProbeResult[], options: ChunkOptions = {}): Uint8Array {
  const { quantum, deflate } = { ...DEFAULTS, ...options };
  const dict = new Map<string, number>();
  const shapeIds: number[] = [];
  const latencies: number[] = [];
  const phaseCols: number[][] = PHASES.map(() => []);
  for (const r of results) {
    const phases = phaseColumns(r);
    const key = JSON.stringify(shapeOf(r, phases));
    let id = dict.get(key);
    if (id === undefined) dict.set(key, (id = dict.size));
    shapeIds.push(id);
    if (r.latencyMs !== null) latencies.push(Math.round(r.latencyMs * quantum));
    if (phases) PHASES.forEach((k, i) => phaseCols[i]!.push(Math.round(phases[k] * quantum)));
  }
  const w = new ByteWriter();
  w.uint(quantum);
  w.uint(results.length);
  w.uint(dict.size);
  const text = new TextEncoder();
  for (const key of dict.keys()) w.bytes(text.encode(key));
  let prev = 0;
  let prevDelta = 0;
  results.forEach((r, i) => {
    if (i === 0) w.int(r.startedAt);
    else {
      const delta = r.startedAt - prev;
      w.int(delta - prevDelta);
      prevDelta = delta;
    }
    prev = r.startedAt;
  });
  for (let i = 0; i < shapeIds.length;) {
    let run = 1;
    while (i + run < shapeIds.length && shapeIds[i + run] === shapeIds[i]) run++;
    w.uint(run);
    w.uint(shapeIds[i]!);
    i += run;
  }
  for (const column of [latencies, ...phaseCols]) {
    let last = 0;
    for (const v of column) {
      w.int(v - last);
      last = v;
    }
  }
  const plain = w.finish();
  if (deflate) {
    const packed = deflateRawSync(plain);
    if (packed.length + 1 < plain.length + 1) return withVersion(DEFLATED, packed);
  }
  return withVersion(PLAIN, plain);
}

function withVersion(version: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = version;
  out.set(body, 1);
  return out;
}

/**
 * The results of a chunk, oldest first, as `checkId` from `vantage` (undefined for this
 * machine). Throws on a chunk it cannot read (the caller decides what that costs).
 */
export function decodeChunk(blob: Uint8Array, checkId: string, vantage?: string): ProbeResult[] {
  const version = blob[0];
  let body: Uint8Array;
  if (version === PLAIN) body = blob.subarray(1);
  else if (version === DEFLATED) body = inflateRawSync(blob.subarray(1));
  else throw new Error(`unknown chunk version ${String(version)}`);
  const r = new ByteReader(body);
  const quantum = r.uint();
  const n = r.uint();
  const dictSize = r.uint();
  const text = new TextDecoder();
  const shapes: Shape[] = [];
  for (let i = 0; i < dictSize; i++) shapes.push(JSON.parse(text.decode(r.bytes())) as Shape);
  const times: number[] = [];
  let prevDelta = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) times.push(r.int());
    else {
      prevDelta += r.int();
      times.push(times[i - 1]! + prevDelta);
    }
  }
  const shapeIds: number[] = [];
  while (shapeIds.length < n) {
    const run = r.uint();
    const id = r.uint();
    if (id >= shapes.length || run === 0 || shapeIds.length + run > n) throw new Error('corrupt chunk');
    for (let k = 0; k < run; k++) shapeIds.push(id);
  }
  const withLatency = shapeIds.filter((id) => shapes[id]![2] === 1).length;
  const withPhases = shapeIds.filter((id) => shapes[id]![3] === 1).length;
  const column = (count: number) => {
    const out: number[] = [];
    let last = 0;
    for (let i = 0; i < count; i++) out.push((last += r.int()) / quantum);
    return out;
  };
  const latencies = column(withLatency);
  const phaseCols = PHASES.map(() => column(withPhases));
  const out: ProbeResult[] = [];
  let li = 0;
  let pi = 0;
  for (let i = 0; i < n; i++) {
    const [ok, errorClass, hasLatency, hasPhases, httpStatus, message, extra] = shapes[shapeIds[i]!]!;
    const result: ProbeResult = {
      ...(extra === null ? {} : (JSON.parse(extra) as Partial<ProbeResult>)),
      checkId,
      startedAt: times[i]!,
      ok: ok === 1,
      latencyMs: hasLatency === 1 ? latencies[li++]! : null,
      errorClass: errorClass as ProbeResult['errorClass'],
      message,
    };
    if (httpStatus !== null) result.httpStatus = httpStatus;
    if (hasPhases === 1) {
      const phases = {} as PhaseTimings;
      PHASES.forEach((k, c) => (phases[k] = phaseCols[c]![pi]!));
      pi++;
      result.phases = phases;
    }
    if (vantage !== undefined) result.vantage = vantage;
    out.push(result);
  }
  return out;
}
