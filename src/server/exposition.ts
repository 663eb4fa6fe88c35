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

export type MetricType = 'gauge' | 'counter';

/**
 * One series of a family: its line prefix (`name{labels} `) as bytes, made once, and the text of
 * the value it last wrote. Whoever knows the series keeps it (the exporter, per check), so a
 * scrape neither builds nor hashes label text.
 */
export class Series {
  readonly prefix: Uint8Array;
  private value = Number.NaN;
  private text = 'NaN';

  constructor(prefix: string) {
    this.prefix = Buffer.from(prefix, 'utf8');
  }

  /** The value as the format spells it, formatted again only when it changed. */
  valueText(value: number): string {
    if (value !== this.value && !(Number.isNaN(value) && Number.isNaN(this.value))) {
      this.value = value;
      this.text = formatValue(value);
    }
    return this.text;
  }
}

/** A series found by its label text, for families with few series that nobody keeps. */
interface Kept {
  series: Series;
  /** The scrape that last used it: the others are forgotten after writing. */
  scrape: number;
}

/**
 * One metric family. A scrape pushes its samples (series and value) in order; the family
 * compares them with the last scrape's and, when nothing changed, keeps its last text without
 * looking at a single line. A changed family's text is written into a new buffer of its exact
 * size (each line its series' prefix bytes and the value's text): a text once made is never
 * written to again, so a response still sending it is safe while the next scrape runs.
 */
export class Family {
  readonly name: string;
  private readonly header: Uint8Array;
  private items: Series[] = [];
  private values: number[] = [];
  private count = 0;
  private lastCount = -1;
  private dirty = true;
  private text: Uint8Array = new Uint8Array(0);
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
   * samples, so every name is discoverable): the last scrape's bytes when no sample changed.
   */
  end(): Uint8Array {
    if (this.dirty || this.count !== this.lastCount) {
      const { items, values, count } = this;
      let size = this.header.length;
      for (let i = 0; i < count; i++) size += items[i]!.prefix.length + items[i]!.valueText(values[i]!).length + 1;
      const text = Buffer.allocUnsafe(size);
      text.set(this.header, 0);
      let at = this.header.length;
      for (let i = 0; i < count; i++) {
        const series = items[i]!;
        text.set(series.prefix, at);
        at += series.prefix.length;
        const value = series.valueText(values[i]!);
        for (let c = 0; c < value.length; c++) text[at++] = value.charCodeAt(c);
        text[at++] = 10;
      }
      this.text = text;
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
}

/**
 * A scrape's text: the families' texts in order, as they are (not copied into one buffer: at
 * 5,000 checks that copy of 8 MB cost more than the rest of the scrape). Write the chunks in
 * order; none of them is ever written to again.
 */
export class Exposition {
  readonly chunks: readonly Uint8Array[];
  /** Bytes in all, for Content-Length. */
  readonly length: number;

  constructor(chunks: readonly Uint8Array[]) {
    this.chunks = chunks;
    this.length = chunks.reduce((sum, c) => sum + c.length, 0);
  }

  /** The whole text (tests). */
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
