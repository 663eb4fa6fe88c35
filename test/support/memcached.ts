/** A real memcached on loopback, started by the test; `set` speaks its text protocol. */
import { connect } from 'node:net';
import { findSbin } from './binaries.ts';
import { freePort } from './ports.ts';
import { ServerProcess } from './server-process.ts';

export const MEMCACHED_MISSING =
  'memcached is not installed (apt-get install memcached): skipping the memcached node of the consistency tests';

export function memcachedPath(): string | null {
  return findSbin('memcached');
}

export class MemcachedServer {
  port = 0;
  private process: ServerProcess | null = null;

  async start(): Promise<this> {
    const binary = memcachedPath();
    if (!binary) throw new Error(MEMCACHED_MISSING);
    this.port = await freePort();
    const args = ['-l', '127.0.0.1', '-p', String(this.port), '-U', '0', '-m', '8', '-vv'];
    this.process = await new ServerProcess(`memcached :${this.port}`, binary, args).start(/server listening/);
    return this;
  }

  /** Stores a value, resolving on memcached's STORED. */
  set(key: string, value: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      socket.on('error', reject);
      socket.once('connect', () => socket.write(`set ${key} 0 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`));
      socket.once('data', (chunk: Buffer) => {
        socket.destroy();
        if (chunk.toString().startsWith('STORED')) resolve();
        else reject(new Error(`memcached set: ${chunk.toString()}`));
      });
    });
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}
