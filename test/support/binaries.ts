import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian (or a local install) put a server binary the tests start, or null. */
export function findSbin(name: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** Stops a server the test started and waits for it to exit (a no-op once it has). */
export async function terminate(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
