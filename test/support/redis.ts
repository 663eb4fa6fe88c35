/** Real redis-server processes on loopback, in a temp dir, started and stopped by the test. */
import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { findSbin } from './binaries.ts';
import { freePort } from './ports.ts';
import { serverDir, ServerProcess } from './server-process.ts';

export const REDIS_MISSING =
  'redis-server is not installed (apt-get install redis-server): skipping the tests against real Redis servers';

export function redisPath(): string | null {
  return findSbin('redis-server');
}

export class RedisServer {
  port = 0;
  private dir = '';
  private process: ServerProcess | null = null;
  private readonly extra: string[];

  constructor(extra: string[] = []) {
    this.extra = extra;
  }

  async start(port?: number): Promise<this> {
    const binary = redisPath();
    if (!binary) throw new Error(REDIS_MISSING);
    this.dir ||= await serverDir('redis');
    this.port = port ?? (this.port || (await freePort()));
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.process = new ServerProcess(`redis :${this.port}`, binary, [...args, '--dir', this.dir, ...this.extra]);
    await this.process.start(/Ready to accept connections/);
    return this;
  }

  /** Resolves once the log says a replica finished its sync with the primary. */
  synced(): Promise<true> {
    return this.process!.waitForOutput(/sync: Finished with success/);
  }

  /** A client for the test's own set-up and sabotage. */
  client(password?: string): Redis {
    return new Redis({ host: '127.0.0.1', port: this.port, password, lazyConnect: false, maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  async remove(): Promise<void> {
    await this.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
