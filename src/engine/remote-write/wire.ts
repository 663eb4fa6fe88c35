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
import type { Batch } from './queue.ts';

/** A series' Label messages, each with its tag and length, ready to be copied into a TimeSeries. */
export type EncodedLabels = Uint8Array;

const utf8 = new TextEncoder();

const TWO_28 = 2 ** 28;

function varintSize(n: number): number {
  if (n < TWO_28) return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
  return 4 + varintSize(Math.floor(n / TWO_28));
}

/**
 * Unsigned varints up to 2^53. Timestamps need more than 32 bits: the low 28 bits are written
 * with integer operations, only the rest with division (this runs for every sample).
 */
function writeVarint(out: Uint8Array, at: number, n: number): number {
  if (n >= TWO_28) {
    const low = n % TWO_28;
    out[at++] = (low & 127) | 128;
    out[at++] = ((low >>> 7) & 127) | 128;
    out[at++] = ((low >>> 14) & 127) | 128;
    out[at++] = ((low >>> 21) & 127) | 128;
    n = Math.floor(n / TWO_28);
  }
  while (n >= 128) {
    out[at++] = (n & 127) | 128;
    n >>>= 7;
  }
  out[at++] = n;
  return at;
}

/**
 * Labels as the spec wants them: sorted by name, `__name__` among them, none empty (a label
 * with an empty value is the same series as one without it). `known` keeps each distinct
 * label's encoding: 5,000 checks have 50,000 series but only about 5,000 distinct labels.
 */
export function encodeLabels(labels: Record<string, string>, known?: Map<string, Uint8Array>): EncodedLabels {
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name]!;
    if (value === '') continue;
    const key = `${name}\u0000${value}`;
    const encoded = known?.get(key);
    if (encoded) {
      parts.push(encoded);
      continue;
    }
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
    known?.set(key, label);
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

/** Sample's size: tag + double, tag + varint timestamp. */
const sampleSize = (timestampMs: number) => 1 + 8 + 1 + varintSize(timestampMs);

/**
 * The uncompressed WriteRequest. Samples of one series (the same labels object) go into one
 * TimeSeries, in the order given, which keeps each series' timestamps ascending as the spec asks.
 * Series are chained through index arrays rather than a list per series: nothing per sample is
 * allocated.
 */
export function encodeWriteRequest(batch: Batch): Uint8Array {
  const n = batch.length;
  const slotOf = new Map<EncodedLabels, number>();
  const first = new Int32Array(n);
  const last = new Int32Array(n);
  const size = new Int32Array(n);
  const next = new Int32Array(n).fill(-1);
  let series = 0;
  for (let i = 0; i < n; i++) {
    const labels = batch.labels[i]!;
    let slot = slotOf.get(labels);
    if (slot === undefined) {
      slot = series++;
      slotOf.set(labels, slot);
      first[slot] = i;
      size[slot] = labels.length;
    } else next[last[slot]!] = i;
    last[slot] = i;
    size[slot]! += 2 + sampleSize(batch.timestamps[i]!);
  }
  let total = 0;
  for (let s = 0; s < series; s++) total += 1 + varintSize(size[s]!) + size[s]!;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (let s = 0; s < series; s++) {
    out[at++] = 0x0a; // WriteRequest.timeseries
    at = writeVarint(out, at, size[s]!);
    const labels = batch.labels[first[s]!]!;
    out.set(labels, at);
    at += labels.length;
    for (let i = first[s]!; i !== -1; i = next[i]!) {
      const timestamp = batch.timestamps[i]!;
      out[at++] = 0x12; // TimeSeries.samples
      out[at++] = sampleSize(timestamp);
      out[at++] = 0x09; // Sample.value, fixed64
      view.setFloat64(at, batch.values[i]!, true);
      at += 8;
      out[at++] = 0x10; // Sample.timestamp, varint
      at = writeVarint(out, at, timestamp);
    }
  }
  return out;
}

/** The request body: the WriteRequest in snappy's block format (not the framed one). */
export function writeRequestBody(batch: Batch): Uint8Array {
  return compress(encodeWriteRequest(batch));
}
