import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type NetConnectOpts } from 'node:net';

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

/**
 * Waits until a server the test started accepts connections at `where` (a port or a Unix
 * socket), failing at once if it exits, and after 10 s if it never listens. Servers such as
 * nginx and HAProxy log nothing when ready: a connection accepted is the sign.
 */
export async function untilAccepting(
  child: ChildProcess,
  where: NetConnectOpts,
  name: string,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${log()}`);
    if (await accepts(where)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not accept connections within 10 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(where: NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(where);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
