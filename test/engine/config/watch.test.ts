/** The config watcher on real files: it misses no save, and a refused file never sticks. */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOnce, EXIT_BAD_CONFIG } from '../../../src/cli/check-once.ts';
import { readConfigFile } from '../../../src/engine/config/read.ts';
import { watchConfigFile } from '../../../src/engine/config/watch.ts';
import type { ConfigIssue } from '../../../src/shared/model.ts';

/** Values pushed by the watcher, awaited one at a time. */
function queue<T>() {
  const items: T[] = [];
  const waiters: ((item: T) => void)[] = [];
  return {
    push: (item: T) => {
      const waiter = waiters.shift();
      if (waiter) waiter(item);
      else items.push(item);
    },
    next: () => (items.length > 0 ? Promise.resolve(items.shift()!) : new Promise<T>((r) => waiters.push(r))),
  };
}

describe('config watch', () => {
  let dir: string;
  let path: string;
  let unwatch: (() => void) | null = null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-watch-'));
    path = join(dir, 'knockon.yaml');
  });
  afterEach(async () => {
    unwatch?.();
    unwatch = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers a save made between the first read and the start of the watch', async () => {
    await writeFile(path, 'checks: [] # first\n');
    const first = await readConfigFile(path);
    await writeFile(path, 'checks: [] # second\n');
    const changes = queue<string>();
    unwatch = watchConfigFile(path, changes.push, { initial: first, debounceMs: 10 });
    expect(await changes.next()).toBe('checks: [] # second\n');
  });

  it('applies the last good text again after a refused oversized save, so the error clears', async () => {
    const good = 'checks: [] # good\n';
    await writeFile(path, good);
    const changes = queue<string>();
    const refusals = queue<ConfigIssue[]>();
    unwatch = watchConfigFile(path, changes.push, {
      initial: await readConfigFile(path),
      debounceMs: 10,
      onRefused: refusals.push,
    });
    await truncate(path, 9 * 1024 * 1024);
    expect((await refusals.next())[0]!.message).toBe('config file is 9 MiB; the limit is 8 MiB');
    await writeFile(path, good);
    expect(await changes.next()).toBe(good);
  });

  it('makes `knockon check` fail on a file of comments alone, saying it is empty', async () => {
    await writeFile(path, '# checks go here\n');
    const errors: string[] = [];
    expect(
      await checkOnce(
        path,
        () => {},
        (line) => errors.push(line),
        false,
      ),
    ).toBe(EXIT_BAD_CONFIG);
    expect(errors[0]).toBe(`${path}: (file): config file is empty: add at least one check`);
  });

  it('says a directory is not a config file', async () => {
    const read = await readConfigFile(dir);
    expect(read).toEqual({
      ok: false,
      reason: 'unreadable',
      issues: [{ file: dir, line: null, column: null, field: '(file)', message: 'not a regular file' }],
    });
  });
});
