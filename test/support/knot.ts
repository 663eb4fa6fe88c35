/**
 * A real Knot DNS authoritative server on loopback, configured by the test in a temp dir:
 * one zone, one TSIG key (HMAC-SHA256) allowed to update it. When knotd is not installed,
 * `knotPath()` returns null and the tests that need it skip, saying why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSbin, terminate } from './binaries.ts';
import { freePort } from './ports.ts';

export function knotPath(): string | null {
  return findSbin('knotd');
}

export const KNOT_MISSING =
  'knotd is not installed (apt-get install knot): skipping the tests against a real authoritative server';

export interface KnotOptions {
  zone: string;
  /** Records in zone-file syntax, relative to the zone (e.g. "app 60 IN A 192.0.2.1"). */
  records: string[];
  keyName?: string;
  /** Loopback addresses to listen on (same port on each); each one can stand for a resolver. */
  addresses?: string[];
}

export class KnotServer {
  readonly keyName: string;
  readonly secret = randomBytes(32).toString('base64');
  port = 0;
  private dir = '';
  private child: ChildProcess | null = null;
  private readonly options: KnotOptions;

  constructor(options: KnotOptions) {
    this.options = options;
    this.keyName = options.keyName ?? 'knockon-key';
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Every address it answers on, as resolver strings. */
  get resolvers(): string[] {
    return (this.options.addresses ?? ['127.0.0.1']).map((a) => `${a}:${this.port}`);
  }

  async start(): Promise<this> {
    const binary = knotPath();
    if (!binary) throw new Error(KNOT_MISSING);
    this.dir = await mkdtemp(join(tmpdir(), 'knockon-knot-'));
    this.port = await freePort();
    const zone = this.options.zone;
    await writeFile(
      join(this.dir, `${zone}.zone`),
      [
        `$ORIGIN ${zone}.`,
        '$TTL 60',
        `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
        `@ IN NS ns1.${zone}.`,
        'ns1 IN A 127.0.0.1',
        ...this.options.records,
        '',
      ].join('\n'),
    );
    const user = process.getuid?.() === 0 ? '  user: root:root\n' : '';
    await writeFile(
      join(this.dir, 'knot.conf'),
      `server:
  rundir: "${this.dir}"
${user}  listen: [${(this.options.addresses ?? ['127.0.0.1']).map((a) => `${a}@${this.port}`).join(', ')}]
database:
  storage: "${this.dir}"
log:
  - target: stderr
    any: info
key:
  - id: ${this.keyName}
    algorithm: hmac-sha256
    secret: ${this.secret}
acl:
  - id: update
    key: ${this.keyName}
    action: update
template:
  - id: default
    storage: "${this.dir}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
zone:
  - domain: ${zone}
    file: "${zone}.zone"
    acl: update
`,
    );
    const child = spawn(binary, ['-c', join(this.dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let log = '';
    // Ready when the zone is loaded and the server answers: both are logged by knotd.
    await new Promise<void>((resolve, reject) => {
      let loaded = false;
      let started = false;
      const timer = setTimeout(() => reject(new Error(`knotd did not start within 10 s:\n${log}`)), 10_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.length > 100_000) log = log.slice(-50_000);
        loaded ||= /\[.*\] loaded, serial/.test(log) || /zone file loaded/.test(log);
        started ||= /server started/.test(log);
        if (loaded && started) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`knotd exited with ${code}:\n${log}`));
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await terminate(child);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
