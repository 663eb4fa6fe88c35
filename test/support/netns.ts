/**
 * Network namespaces for partition tests: each agent in a namespace of its own, joined to the
 * test's namespace by a veth pair numbered from 198.18.0.0/15 (the benchmarking range, never
 * routed), and the centre and targets on extra addresses of the test namespace's loopback
 * interface (a dummy interface would do, but not every kernel has the module).
 * Everything is made by the test and removed when it ends (also after a crash of an earlier
 * run: names are fixed per slot, so a leftover is removed before it is made again).
 *
 * Cutting a path is a more specific route: `unreachable <address>/32` inside a namespace makes
 * that one address unreachable from there while the rest of its network works.
 */
import { execFileSync, spawnSync } from 'node:child_process';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quietly(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore' });
}

/** Why namespaces cannot be made here, or null when they can (root, iproute2, netns support). */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'making network namespaces needs root';
  const probe = `knprobe${process.pid % 100000}`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.error) return `iproute2's ip is not installed (${made.error.message})`;
  if (made.status !== 0) return `ip netns add failed: ${made.stderr.trim()}`;
  quietly('netns', 'del', probe);
  return null;
}

export interface Namespace {
  name: string;
  /** This namespace's end of its link, and the test namespace's end (its gateway). */
  address: string;
  gateway: string;
  /** The command prefix that runs a process inside it. */
  wrap: string[];
  /** Makes one address (a /32 of the shared net) unreachable from inside, or reachable again. */
  cut(address: string): void;
  restore(address: string): void;
}

export interface NetLab {
  /** Addresses of the test's namespace, reachable from every namespace. */
  shared: string[];
  namespaces: Map<string, Namespace>;
  remove(): void;
}

const PREFIX = 'kn';

/**
 * Makes `names.length` namespaces (slot i gets 198.18.<i+1>.0/30) and `sharedCount` addresses
 * 198.18.8.1, 198.18.8.2, … in the test's namespace (routed from every namespace through its veth).
 */
export function makeNetLab(names: readonly string[], sharedCount: number): NetLab {
  const shared = Array.from({ length: sharedCount }, (_, i) => `198.18.8.${i + 1}`);
  const removeAll = () => {
    for (const name of names) quietly('netns', 'del', `${PREFIX}-${name}`);
    for (const name of names) quietly('link', 'del', `${PREFIX}-${name}-h`);
    for (const address of shared) quietly('addr', 'del', `${address}/32`, 'dev', 'lo');
  };
  removeAll();
  try {
    for (const address of shared) ip('addr', 'add', `${address}/32`, 'dev', 'lo');
    const namespaces = new Map<string, Namespace>();
    names.forEach((name, i) => {
      const ns = `${PREFIX}-${name}`;
      const host = `${PREFIX}-${name}-h`;
      const peer = `${PREFIX}-${name}-a`;
      const gateway = `198.18.${i + 1}.1`;
      const address = `198.18.${i + 1}.2`;
      ip('netns', 'add', ns);
      ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
      ip('link', 'set', peer, 'netns', ns);
      ip('addr', 'add', `${gateway}/30`, 'dev', host);
      ip('link', 'set', host, 'up');
      const inNs = (...args: string[]) => ip('-n', ns, ...args);
      inNs('link', 'set', 'lo', 'up');
      inNs('addr', 'add', `${address}/30`, 'dev', peer);
      inNs('link', 'set', peer, 'up');
      inNs('route', 'add', '198.18.8.0/24', 'via', gateway);
      namespaces.set(name, {
        name: ns,
        address,
        gateway,
        wrap: ['ip', 'netns', 'exec', ns],
        cut: (target) => inNs('route', 'add', 'unreachable', `${target}/32`),
        restore: (target) => inNs('route', 'del', 'unreachable', `${target}/32`),
      });
    });
    return { shared, namespaces, remove: removeAll };
  } catch (error) {
    removeAll();
    throw error;
  }
}
