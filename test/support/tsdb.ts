/**
 * Real remote-write receivers from Debian, started by a test on loopback: Prometheus with its
 * receiver enabled (`prometheus`) and single-node VictoriaMetrics (`victoria-metrics`). Each
 * keeps its data directory across stop and start, as a restarted server would, and answers
 * PromQL over the same HTTP API, so one helper queries both.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSbin } from './binaries.ts';
import { ServerProcess, serverDir } from './server-process.ts';
import { freePort } from './ports.ts';

export interface TsdbKind {
  name: string;
  binary: string;
  /** The remote-write path. */
  writePath: string;
  args(dir: string, port: number): string[];
  ready: RegExp;
}

export const TSDBS: TsdbKind[] = [
  {
    name: 'prometheus',
    binary: 'prometheus',
    writePath: '/api/v1/write',
    args: (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
    ],
    ready: /Server is ready to receive web requests/,
  },
  {
    name: 'victoria-metrics',
    binary: 'victoria-metrics',
    writePath: '/api/v1/write',
    args: (dir, port) => [
      `-storageDataPath=${join(dir, 'vm')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      // Fresh samples are queryable at once (by default the last 30 s are hidden), uncached.
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-memory.allowedPercent=5',
    ],
    ready: /starting http server at/,
  },
];

export class Tsdb {
  readonly kind: TsdbKind;
  private readonly process: ServerProcess;
  readonly url: string;

  private constructor(kind: TsdbKind, binary: string, dir: string, port: number) {
    this.kind = kind;
    this.url = `http://127.0.0.1:${port}`;
    this.process = new ServerProcess(kind.name, binary, kind.args(dir, port));
  }

  /** Null when the Debian package is not installed (the caller skips, saying so). */
  static async create(kind: TsdbKind): Promise<Tsdb | null> {
    const binary = findSbin(kind.binary);
    if (!binary) return null;
    const dir = await serverDir(kind.name);
    writeFileSync(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 15s }\n');
    return new Tsdb(kind, binary, dir, await freePort());
  }

  get writeUrl(): string {
    return `${this.url}${this.kind.writePath}`;
  }

  async start(): Promise<this> {
    await this.process.start(this.kind.ready);
    return this;
  }

  /** SIGTERM: each server writes what it took before exiting (a killed one may lose its last second). */
  stop(): Promise<void> {
    return this.process.stop();
  }

  /** One instant query at `time` (seconds): a vector, or a matrix for a range selector. */
  async query(
    promql: string,
    time = Date.now() / 1000 + 1,
  ): Promise<{ metric: Record<string, string>; value: [number, string]; values?: [number, string][] }[]> {
    const url = `${this.url}/api/v1/query?query=${encodeURIComponent(promql)}&time=${time}`;
    const response = await fetch(url);
    const body = (await response.json()) as { status: string; data?: { result: never[] }; error?: string };
    if (body.status !== 'success' || !body.data)
      throw new Error(`${this.kind.name}: ${promql}: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  /** Raw samples stored under the names matched over the last hour (a range selector returns each one). */
  async countSamples(nameRegex: string): Promise<number> {
    const result = await this.query(`{__name__=~"${nameRegex}"}[1h]`);
    return result.reduce((sum, series) => sum + (series.values?.length ?? 0), 0);
  }

  /**
   * Polls until `test` accepts the count (VictoriaMetrics makes what it took searchable within
   * about a second, so "eventually" is the contract); bounded.
   */
  async untilCount(nameRegex: string, test: (n: number) => boolean, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await this.countSamples(nameRegex);
      if (test(n)) return n;
      if (Date.now() > deadline) throw new Error(`${this.kind.name}: ${nameRegex} stayed at ${n} samples`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
