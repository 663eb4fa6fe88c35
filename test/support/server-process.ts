/**
 * A real server started by a test (postgres, mariadbd, redis-server, memcached): run as an
 * unprivileged user when the tests run as root (initdb and mariadbd refuse root), its output
 * collected, readiness awaited on the line it logs, stopped and awaited.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminate } from './binaries.ts';
import { waitFor } from './wait.ts';

/** Accounts servers may run as when the tests run as root, first found wins (Debian's packages make the first two). */
const SERVICE_USERS = ['postgres', 'mysql', 'nobody'];

let ids: { uid: number; gid: number } | null | undefined;

function serviceIds(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  if (ids !== undefined) return ids;
  for (const user of SERVICE_USERS) {
    const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0)
      return (ids = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) });
  }
  throw new Error(`running as root needs one of these users to run servers as: ${SERVICE_USERS.join(', ')}`);
}

/** A temp dir the server's user can write. */
export async function serverDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `knockon-${prefix}-`));
  const ids = serviceIds();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  return dir;
}

/** Runs a command to completion as the service user; throws with its output when it fails. */
export function runAs(binary: string, args: string[]): string {
  const ids = serviceIds();
  const result = spawnSync(binary, args, { encoding: 'utf8', ...(ids ?? {}), timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

export class ServerProcess {
  output = '';
  private child: ChildProcess | null = null;
  private readonly listeners = new Set<() => void>();

  readonly name: string;
  private readonly binary: string;
  private readonly args: string[];

  private readonly stopSignal: NodeJS.Signals;

  /** `stopSignal`: what makes the server exit now (postgres waits for its clients on SIGTERM). */
  constructor(name: string, binary: string, args: string[], stopSignal: NodeJS.Signals = 'SIGTERM') {
    this.name = name;
    this.binary = binary;
    this.args = args;
    this.stopSignal = stopSignal;
  }

  /** Starts the server and resolves once its output matches `ready`. */
  async start(ready: RegExp, timeoutMs = 30_000): Promise<this> {
    this.output = '';
    const child = spawn(this.binary, this.args, { stdio: ['ignore', 'pipe', 'pipe'], ...(serviceIds() ?? {}) });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const l of this.listeners) l();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', () => {
      for (const l of this.listeners) l();
    });
    await this.waitForOutput(ready, timeoutMs);
    return this;
  }

  /** Resolves when the output so far matches `pattern`; fails at once if the server exits. */
  waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<true> {
    return waitFor(
      (onChange) => {
        this.listeners.add(onChange);
        return () => this.listeners.delete(onChange);
      },
      () => {
        if (pattern.test(this.output)) return true;
        if (this.child && this.child.exitCode !== null) {
          throw new Error(`${this.name} exited (${this.child.exitCode}) before "${pattern.source}":\n${this.output}`);
        }
        return false;
      },
      `${this.name}: ${pattern.source}`,
      timeoutMs,
    );
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    await terminate(this.child, this.stopSignal);
  }
}
