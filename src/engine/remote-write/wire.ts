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
 * Varints are the history store's (`ByteWriter`, store/varint.ts): a series' labels and the
 * bytes before its value are made once per series, a batch's timestamps once per batch, and a
 * batch is then copies of those parts and each sample's value into one buffer the encoder keeps.
 */
import { SnappyCompressor } from 'snappyjs/snappy_compressor.js';
import { ByteWriter } from '../store/varint.ts';
import type { Batch } from './queue.ts';

const utf8 = new TextEncoder();

/** The bytes `write` puts into a fresh ByteWriter, as a latin1 string (one character a byte). */
function written(write: (w: ByteWriter) => void): string {
  const w = new ByteWriter();
  write(w);
  const bytes = w.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/**
 * A series' Label messages, each with its tag and length, made once per series; and, made on
 * its first sample, everything of a one-sample TimeSeries before the sample's value. Both are
 * kept as latin1 strings, one character a byte: 50,000 series as small typed arrays were 100,000
 * array buffers for the garbage collector to track, which cost more than encoding.
 */
export class EncodedLabels {
  readonly text: string;
  private head = '';
  private headTail = -1;

  constructor(text: string) {
    this.text = text;
  }

  /**
   * WriteRequest.timeseries' tag and length, the labels, TimeSeries.samples' tag and length and
   * Sample.value's tag, for a sample whose timestamp field (tag and varint) is `tail` bytes long.
   */
  headOf(tail: number): string {
    if (this.headTail === tail) return this.head;
    const sample = 1 + 8 + tail; // at most 20: its length is one byte
    const series = this.text.length + 2 + sample;
    this.head =
      written((w) => {
        w.byte(0x0a); // WriteRequest.timeseries
        w.uint(series);
      }) +
      this.text +
      String.fromCharCode(0x12, sample, 0x09); // TimeSeries.samples, its length, Sample.value (fixed64)
    this.headTail = tail;
    return this.head;
  }
}

/**
 * Labels as the spec wants them: sorted by name, `__name__` among them, none empty (a label
 * with an empty value is the same series as one without it). `known` keeps each distinct
 * label's encoding: 5,000 checks have 50,000 series but only about 5,000 distinct labels.
 */
export function encodeLabels(labels: Record<string, string>, known?: Map<string, string>): EncodedLabels {
  let text = '';
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name]!;
    if (value === '') continue;
    const key = `${name}\u0000${value}`;
    let encoded = known?.get(key);
    if (encoded === undefined) {
      const label = written((w) => {
        w.byte(0x0a); // Label.name
        w.bytes(utf8.encode(name));
        w.byte(0x12); // Label.value
        w.bytes(utf8.encode(value));
      });
      encoded = written((w) => {
        w.byte(0x0a); // TimeSeries.labels
        w.bytes(Buffer.from(label, 'latin1'));
      });
      known?.set(key, encoded);
    }
    text += encoded;
  }
  return new EncodedLabels(text);
}

/**
 * Encodes WriteRequests and compresses them, into two buffers it keeps (grown as needed): a
 * batch allocates only its timestamps' varints (one ByteWriter).
 */
export class WriteRequestEncoder {
  private out = Buffer.allocUnsafeSlow(64 * 1024);
  private compressed: Uint8Array = new Uint8Array(0);

  /**
   * The uncompressed WriteRequest, one TimeSeries per sample as Prometheus's own queue sends
   * them (a series gets a sample per check interval, so a batch has almost nothing to group),
   * in queue order, which keeps each series' timestamps ascending as the spec asks. A view of
   * the encoder's buffer: valid until the next `encode` or `body`.
   */
  encode(batch: Batch): Uint8Array {
    // Each run of equal timestamps' varint, written once, in order.
    const stamps = new ByteWriter();
    for (let i = 0; i < batch.length; i++) {
      if (i === 0 || batch.timestamps[i] !== batch.timestamps[i - 1]) stamps.uint(batch.timestamps[i]!);
    }
    const varints = stamps.finish();
    let next = 0;
    let start = 0;
    let size = 0;
    let at = 0;
    for (let i = 0; i < batch.length; i++) {
      if (i === 0 || batch.timestamps[i] !== batch.timestamps[i - 1]) {
        start = next;
        while (varints[next++]! >= 128);
        size = next - start;
      }
      const head = batch.labels[i]!.headOf(1 + size);
      const end = at + head.length + 8 + 1 + size;
      if (end > this.out.length) this.grow(end, at);
      const out = this.out;
      at += out.write(head, at, 'latin1');
      out.writeDoubleLE(batch.values[i]!, at);
      at += 8;
      out[at++] = 0x10; // Sample.timestamp, varint
      for (let k = start; k < next; k++) out[at++] = varints[k]!;
    }
    return this.out.subarray(0, at);
  }

  /**
   * The request body: the WriteRequest in snappy's block format (not the framed one). A view of
   * the encoder's buffer: valid until the next `body`, so one request at a time per encoder.
   */
  body(batch: Batch): Uint8Array {
    const compressor = new SnappyCompressor(this.encode(batch));
    const size = compressor.maxCompressedLength();
    if (this.compressed.length < size) this.compressed = new Uint8Array(Math.max(size, this.compressed.length * 2));
    return this.compressed.subarray(0, compressor.compressToBuffer(this.compressed));
  }

  private grow(size: number, keep: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(size, this.out.length * 2));
    this.out.copy(bigger, 0, 0, keep);
    this.out = bigger;
  }
}
