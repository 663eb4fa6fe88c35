/**
 * A real HAProxy on loopback, configured by the test in a temp dir, with an admin stats
 * socket. When haproxy is not installed, `haproxyPath()` returns null and the tests skip,
 * saying why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSbin, terminate, untilAccepting } from './binaries.ts';
import { freePort } from './ports.ts';

export function haproxyPath(): string | null {
  return findSbin('haproxy');
}

export const HAPROXY_MISSING =
  'haproxy is not installed (apt-get install haproxy): skipping the tests against a real HAProxy';

export class HaproxyServer {
  socket = '';
  port = 0;
  private dir = '';
  private child: ChildProcess | null = null;
  private readonly servers: { name: string; address: string }[];

  constructor(servers: { name: string; address: string }[]) {
    this.servers = servers;
  }

  async start(): Promise<this> {
    const binary = haproxyPath();
    if (!binary) throw new Error(HAPROXY_MISSING);
    this.dir = await mkdtemp(join(tmpdir(), 'knockon-haproxy-'));
    this.socket = join(this.dir, 'admin.sock');
    this.port = await freePort();
    await writeFile(
      join(this.dir, 'haproxy.cfg'),
      `global
  stats socket ${this.socket} level admin
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend edge
  bind 127.0.0.1:${this.port}
  default_backend apac
backend apac
${this.servers.map((s) => `  server ${s.name} ${s.address}`).join('\n')}
`,
    );
    let log = '';
    const child = spawn(binary, ['-db', '-f', join(this.dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    // HAProxy logs nothing when it is ready; the stats socket accepting a connection is the sign.
    await untilAccepting(child, { path: this.socket }, 'haproxy', () => log);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await terminate(child);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
