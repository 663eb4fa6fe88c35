/**
 * Remote write 1.0's body: a protobuf `WriteRequest` compressed with snappy's block format.
 *
 * The four messages are tiny and only ever written, so they are encoded here rather than
 * through a protobuf library (protobufjs is several hundred kB with reflection we would not use):
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp: ms since the epoch
 *
 * A series' labels are encoded once (`encodeLabels`) and reused for every sample of it.
 */
import { compress } from 'snappyjs';

/** A series' Label messages, each with its tag and length, ready to be copied into a TimeSeries. */
export type EncodedLabels = Uint8Array;

export interface Sample {
  labels: EncodedLabels;
  value: number;
  timestampMs: number;
}

const utf8 = new TextEncoder();

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Unsigned varints up to 2^53: timestamps need more than 32 bits, so no bitwise shifts. */
function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/**
 * Labels as the spec wants them: sorted by name, `__name__` among them, none empty (a label
 * with an empty value is the same series as one without it).
 */
export function encodeLabels(labels: Record<string, string>): EncodedLabels {
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name]!;
    if (value === '') continue;
    const n = utf8.encode(name);
    const v = utf8.encode(value);
    const inner = 2 + varintSize(n.length) + n.length + varintSize(v.length) + v.length;
    const label = new Uint8Array(1 + varintSize(inner) + inner);
    let at = writeVarint(label, 0, 0x0a); // TimeSeries.labels, length-delimited
    at = writeVarint(label, at, inner);
    label[at++] = 0x0a; // Label.name
    at = writeVarint(label, at, n.length);
    label.set(n, at);
    at += n.length;
    label[at++] = 0x12; // Label.value
    at = writeVarint(label, at, v.length);
    label.set(v, at);
    parts.push(label);
  }
  const size = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const sampleSize = (s: Sample) => 1 + 8 + 1 + varintSize(s.timestampMs);

/**
 * The uncompressed WriteRequest. Samples of one series (the same labels object) go into one
 * TimeSeries, in the order given, which keeps each series' timestamps ascending as the spec asks.
 */
export function encodeWriteRequest(samples: readonly Sample[]): Uint8Array {
  const bySeries = new Map<EncodedLabels, Sample[]>();
  for (const s of samples) {
    const list = bySeries.get(s.labels);
    if (list) list.push(s);
    else bySeries.set(s.labels, [s]);
  }
  let total = 0;
  const seriesSizes: number[] = [];
  for (const [labels, list] of bySeries) {
    let size = labels.length;
    for (const s of list) size += 2 + sampleSize(s);
    seriesSizes.push(size);
    total += 1 + varintSize(size) + size;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  let k = 0;
  for (const [labels, list] of bySeries) {
    out[at++] = 0x0a; // WriteRequest.timeseries
    at = writeVarint(out, at, seriesSizes[k++]!);
    out.set(labels, at);
    at += labels.length;
    for (const s of list) {
      out[at++] = 0x12; // TimeSeries.samples
      out[at++] = sampleSize(s);
      out[at++] = 0x09; // Sample.value, fixed64
      view.setFloat64(at, s.value, true);
      at += 8;
      out[at++] = 0x10; // Sample.timestamp, varint
      at = writeVarint(out, at, s.timestampMs);
    }
  }
  return out;
}

/** The request body: the WriteRequest in snappy's block format (not the framed one). */
export function writeRequestBody(samples: readonly Sample[]): Uint8Array {
  return compress(encodeWriteRequest(samples));
}
