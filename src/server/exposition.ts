/**
 * Prometheus's text exposition format (version 0.0.4), written directly: families in order, each
 * with its HELP and TYPE, then its samples. Measured at 5,000 checks, prom-client's registry took
 * 370 to 830 ms of CPU per scrape (labels hashed and sorted per sample); this writer keeps each
 * check's label text and only formats numbers (see docs/BENCHMARKS.md, /metrics).
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `{a="x",b="y"}` from pairs; empty values are kept (Prometheus reads them as absent). */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) parts.push(`${name}="${escapeLabel(value)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** Appends one label to a label text made by labelText. */
export function withLabel(text: string, name: string, value: string): string {
  const pair = `${name}="${escapeLabel(value)}"`;
  return text === '' ? `{${pair}}` : `${text.slice(0, -1)},${pair}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export type MetricType = 'gauge' | 'counter';

/**
 * One metric family. Samples are kept as (label text, value) pairs and written into one growing
 * buffer; each series' line prefix (`name{labels} `) is encoded once and kept while the series
 * exists, so a scrape allocates little more than the numbers (at tens of thousands of samples, a
 * string per line is what the garbage collector pays for).
 */
export class Family {
  readonly name: string;
  private readonly header: string;
  private labels: string[] = [];
  private values: number[] = [];
  private prefixes = new Map<string, Buffer>();

  constructor(name: string, type: MetricType, help: string) {
    this.name = name;
    this.header = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
  }

  add(labels: string, value: number): void {
    this.labels.push(labels);
    this.values.push(value);
  }

  reset(): void {
    this.labels = [];
    this.values = [];
  }

  /** Writes the family (its HELP and TYPE even without samples, so every name is discoverable). */
  writeTo(out: Writer): void {
    out.text(this.header);
    const kept = new Map<string, Buffer>();
    for (let i = 0; i < this.labels.length; i++) {
      const labels = this.labels[i]!;
      const prefix = this.prefixes.get(labels) ?? Buffer.from(`${this.name}${labels} `, 'utf8');
      kept.set(labels, prefix);
      out.bytes(prefix);
      out.ascii(`${formatValue(this.values[i]!)}\n`);
    }
    // Series gone since the last scrape are forgotten with it.
    this.prefixes = kept;
  }
}

/** A growing byte buffer. */
export class Writer {
  private buffer: Buffer;
  private length = 0;

  constructor(initial = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(initial);
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + bytes, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  text(text: string): void {
    this.room(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  /** ASCII only (numbers, newlines). */
  ascii(text: string): void {
    this.room(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    this.length += bytes.copy(this.buffer, this.length);
  }

  /** The bytes written so far (a view: copy it before writing more). */
  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
