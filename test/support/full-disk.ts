/**
 * A disk that fills up for real: a small tmpfs the test mounts (root only; CI runs as root),
 * filled by one file until the kernel refuses more, and freed again.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Mounts a tmpfs of `size` on `dir`; null when mounted, else why it could not be. */
export function mountTmpfs(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot mount a tmpfs';
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  return mounted.status === 0 ? null : `mount failed: ${mounted.stderr.toString().trim() || 'no mount(8)'}`;
}

export function unmount(dir: string): void {
  spawnSync('umount', [dir]);
}

const FILLERS = ['filler', 'filler.4096', 'filler.512', 'filler.1'];

/** Fills the file system under `dir` until it refuses more. */
export function fill(dir: string): void {
  const path = join(dir, FILLERS[0]!);
  const chunk = Buffer.alloc(64 * 1024, 1);
  let data = Buffer.alloc(0);
  for (let i = 0; i < 10_000; i++) {
    try {
      data = Buffer.concat([data, chunk]);
      writeFileSync(path, data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw error;
    }
  }
  // The last write may have been partial; a last small one makes sure nothing is left.
  for (const size of [4096, 512, 1]) {
    try {
      writeFileSync(`${path}.${size}`, Buffer.alloc(size));
    } catch {
      // Full.
    }
  }
}

/** Room again: removes what fill() wrote. */
export function freeUp(dir: string): void {
  for (const name of FILLERS) rmSync(join(dir, name), { force: true });
}
