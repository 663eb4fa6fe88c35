/**
 * A real nginx on loopback, configured by the test in a temp dir: one upstream group with a
 * primary server and a `backup` one, as the classic active/passive set-up writes it. The backup
 * is a server block of the same nginx that sets `X-Upstream: <backupName>`; the primary is the
 * test's own HTTP server. When nginx is not installed, `nginxPath()` is null and tests skip,
 * saying why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSbin, terminate, untilAccepting } from './binaries.ts';
import { freePort } from './ports.ts';

export function nginxPath(): string | null {
  return findSbin('nginx');
}

export const NGINX_MISSING = 'nginx is not installed (apt-get install nginx): skipping the tests against a real nginx';

export interface NginxOptions {
  /** host:port of the primary upstream server. */
  primary: string;
  /** The value the backup server sets in X-Upstream. */
  backupName: string;
  /** nginx's per-server failure rule for the primary. */
  maxFails?: number;
  failTimeout?: string;
}

export class NginxServer {
  port = 0;
  private dir = '';
  private child: ChildProcess | null = null;
  private log = '';
  private readonly options: NginxOptions;

  constructor(options: NginxOptions) {
    this.options = options;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const binary = nginxPath();
    if (!binary) throw new Error(NGINX_MISSING);
    this.dir = await mkdtemp(join(tmpdir(), 'knockon-nginx-'));
    this.port = await freePort();
    const backupPort = await freePort();
    const { primary, backupName, maxFails = 1, failTimeout = '30s' } = this.options;
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `  ${t}_temp_path ${join(this.dir, t)};`)
      .join('\n');
    await writeFile(
      join(this.dir, 'nginx.conf'),
      `daemon off;
master_process off;
pid ${join(this.dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
${temp}
  upstream app {
    server ${primary} max_fails=${maxFails} fail_timeout=${failTimeout};
    server 127.0.0.1:${backupPort} backup;
  }
  server {
    listen 127.0.0.1:${this.port};
    location / {
      proxy_pass http://app;
      proxy_connect_timeout 1s;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
  server {
    listen 127.0.0.1:${backupPort};
    location / {
      add_header X-Upstream ${backupName} always;
      return 200 "served by ${backupName}\\n";
    }
  }
}
`,
    );
    // -e: the error log before the config is read; -p: nothing outside the temp dir.
    const child = spawn(binary, ['-p', this.dir, '-e', 'stderr', '-c', join(this.dir, 'nginx.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (c: Buffer) => (this.log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.log += c.toString()));
    await untilAccepting(child, { port: this.port, host: '127.0.0.1' }, 'nginx', () => this.log);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    await terminate(child);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
