/**
 * Prometheus's text exposition format (version 0.0.4), written directly: families in order, each
 * with its HELP and TYPE, then its samples. Measured at 5,000 checks, prom-client's registry took
 * 370 to 830 ms of CPU per scrape (labels hashed and sorted per sample); this writer keeps each
 * series' line prefix as bytes and each family's text between scrapes, so a scrape rewrites only
 * the families whose samples changed (see docs/BENCHMARKS.md, /metrics).
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

/** The longest value `writeValue` writes (String() of a double is at most 24 characters). */
const VALUE_ROOM = 25;

/** Writes a non-negative integer below 2^31, digit by digit; returns the position after it. */
function writeDigits(out: Uint8Array, at: number, n: number, width = 0): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
  if (digits < width) digits = width;
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 48 + (n % 10);
    n = (n / 10) | 0;
  }
  return at + digits;
}

/**
 * Writes a sample's value as the format spells it; returns the position after it. A value with
 * at most six decimals below 2^31 (what the probe metrics export: seconds to the microsecond,
 * counts, timestamps) is written digit by digit, which reads back as exactly the same double
 * (the decimal k/10^6 and the division k / 1e6 round to the same one); any other through
 * String(), which costs a few hundred nanoseconds a value, a noticeable part of a scrape.
 */
export function writeValue(out: Uint8Array, at: number, value: number): number {
  const abs = value < 0 ? -value : value;
  if (abs < 2_147_483_648) {
    const micros = Math.round(abs * 1e6);
    if (micros / 1e6 === abs) {
      if (value < 0) out[at++] = 45; // -
      const whole = Math.floor(abs);
      at = writeDigits(out, at, whole);
      let fraction = micros - whole * 1e6;
      if (fraction === 0) return at;
      let width = 6;
      while (fraction % 10 === 0) {
        fraction /= 10;
        width--;
      }
      out[at++] = 46; // .
      return writeDigits(out, at, fraction, width);
    }
  }
  const text = formatValue(value);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

export type MetricType = 'gauge' | 'counter';

/**
 * One series of a family: its line prefix (`name{labels} `) as bytes, made once. Whoever knows
 * the series keeps it (the exporter, per check), so a scrape neither builds nor hashes label text.
 */
export class Series {
  readonly prefix: Uint8Array;

  constructor(prefix: string) {
    this.prefix = Buffer.from(prefix, 'utf8');
  }
}

/** A series found by its label text, for families with few series that nobody keeps. */
interface Kept {
  series: Series;
  /** The scrape that last used it: the others are forgotten after writing. */
  scrape: number;
}

/**
 * A family's text, in a buffer reused once no response is sending it: at 5,000 checks a scrape
 * where every probe value moved rewrote megabytes, and fresh buffers each time cost more in
 * page faults and garbage collection than the writing.
 */
export class Text {
  readonly buffer: Buffer;
  /** The written part. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Responses sending it now (Exposition.retain). */
  users = 0;
  /** Replaced by a newer text: back to the family's spares once no response sends it. */
  retired = false;
  private readonly family: Family;

  constructor(family: Family, size: number) {
    this.family = family;
    this.buffer = Buffer.allocUnsafeSlow(size);
  }

  release(): void {
    if (--this.users === 0 && this.retired) this.family.recycle(this);
  }
}

/** Spare texts a family keeps for its next rewrite. */
const SPARES = 2;

/**
 * One metric family. A scrape pushes its samples (series and value) in order; the family
 * compares them with the last scrape's and, when nothing changed, keeps its last text without
 * looking at a single line. A changed family is written into a spare text (one no response is
 * sending), each line its series' prefix bytes and the value.
 */
export class Family {
  readonly name: string;
  private readonly header: Uint8Array;
  private items: Series[] = [];
  private values: number[] = [];
  private count = 0;
  private lastCount = -1;
  private dirty = true;
  private text: Text = new Text(this, 0);
  private readonly spares: Text[] = [];
  private byLabels = new Map<string, Kept>();
  private scrape = 0;

  constructor(name: string, type: MetricType, help: string) {
    this.name = name;
    this.header = Buffer.from(
      `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`,
      'utf8',
    );
  }

  /** A new series of this family with this label text (from labelText), for the caller to keep. */
  series(labels: string): Series {
    return new Series(`${this.name}${labels} `);
  }

  /** One sample of a series the caller keeps. */
  push(series: Series, value: number): void {
    const i = this.count++;
    if (this.items[i] !== series) {
      this.items[i] = series;
      this.dirty = true;
    }
    const last = this.values[i];
    if (last !== value && !(Number.isNaN(value) && Number.isNaN(last))) {
      this.values[i] = value;
      this.dirty = true;
    }
  }

  /** One sample by label text: the family keeps the series while scrapes use it. */
  add(labels: string, value: number): void {
    let kept = this.byLabels.get(labels);
    if (!kept) this.byLabels.set(labels, (kept = { series: this.series(labels), scrape: this.scrape }));
    kept.scrape = this.scrape;
    this.push(kept.series, value);
  }

  /**
   * Ends the scrape's samples and returns the family's text (its HELP and TYPE even without
   * samples, so every name is discoverable): the last scrape's when no sample changed.
   */
  end(): Text {
    if (this.dirty || this.count !== this.lastCount) {
      const { items, values, count } = this;
      let room = this.header.length;
      for (let i = 0; i < count; i++) room += items[i]!.prefix.length + VALUE_ROOM + 1;
      const index = this.spares.findIndex((t) => t.buffer.length >= room);
      // Room to grow a little, so a spare fits the next scrape too.
      const text = index >= 0 ? this.spares.splice(index, 1)[0]! : new Text(this, Math.ceil(room * 1.1));
      const out = text.buffer;
      out.set(this.header, 0);
      let at = this.header.length;
      for (let i = 0; i < count; i++) {
        const prefix = items[i]!.prefix;
        out.set(prefix, at);
        at = writeValue(out, at + prefix.length, values[i]!);
        out[at++] = 10;
      }
      text.bytes = out.subarray(0, at);
      const old = this.text;
      this.text = text;
      old.retired = true;
      if (old.users === 0) this.recycle(old);
      items.length = count;
      values.length = count;
      this.lastCount = count;
      this.dirty = false;
    }
    this.count = 0;
    // Series found by label text and not used in this scrape are forgotten.
    for (const [labels, kept] of this.byLabels) if (kept.scrape !== this.scrape) this.byLabels.delete(labels);
    this.scrape++;
    return this.text;
  }

  /** A retired text no response sends any more becomes a spare (a few are kept). */
  recycle(text: Text): void {
    text.retired = false;
    if (this.spares.length < SPARES && text.buffer.length > 0) this.spares.push(text);
  }
}

/**
 * A scrape's text: the families' texts in order, as they are (not copied into one buffer: at
 * 5,000 checks that copy of 8 MB cost more than the rest of the scrape). Whoever sends it calls
 * `retain` first and `release` once the chunks are written (handed to the system): until then
 * none is rewritten. One not retained is good until the next scrape.
 */
export class Exposition {
  readonly chunks: readonly Uint8Array[];
  /** Bytes in all, for Content-Length. */
  readonly length: number;
  private readonly texts: readonly Text[];

  constructor(texts: readonly Text[]) {
    this.texts = texts;
    this.chunks = texts.map((t) => t.bytes);
    this.length = this.chunks.reduce((sum, c) => sum + c.length, 0);
  }

  retain(): void {
    for (const text of this.texts) text.users++;
  }

  release(): void {
    for (const text of this.texts) text.release();
  }

  /** The whole text (tests). */
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
