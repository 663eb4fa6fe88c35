import { chmod, lstat, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateBoardToken } from '../../src/server/board-token.ts';

const posix = process.platform !== 'win32';

describe('the generated board token', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!posix)('is written to <dataDir>/board-token readable by this user only, in a 0700 directory', async () => {
    const dataDir = join(dir, 'data');
    const { token, path, created } = await loadOrCreateBoardToken(dataDir);
    expect(path).toBe(join(dataDir, 'board-token'));
    expect(created).toBe(true);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await readFile(path, 'utf8')).trim()).toBe(token);
    expect((await lstat(path)).mode & 0o777).toBe(0o600);
    expect((await lstat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('is the same after a restart, so browsers that saved it keep working', async () => {
    const first = await loadOrCreateBoardToken(dir);
    const second = await loadOrCreateBoardToken(dir);
    expect(second).toEqual({ ...first, created: false });
  });

  it.skipIf(!posix)('is replaced when others could have read it', async () => {
    const first = await loadOrCreateBoardToken(dir);
    await chmod(first.path, 0o644);
    const second = await loadOrCreateBoardToken(dir);
    expect(second.created).toBe(true);
    expect(second.token).not.toBe(first.token);
    expect((await lstat(second.path)).mode & 0o777).toBe(0o600);
  });

  it('is replaced when the file holds no token', async () => {
    await writeFile(join(dir, 'board-token'), 'short\n', { mode: 0o600 });
    const { token, created } = await loadOrCreateBoardToken(dir);
    expect(created).toBe(true);
    expect(token).not.toBe('short');
  });

  it.skipIf(!posix)('refuses a symlink in its place rather than write through it', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await writeFile(elsewhere, 'keep me');
    const dataDir = join(dir, 'data');
    await loadOrCreateBoardToken(dataDir);
    await rm(join(dataDir, 'board-token'));
    await symlink(elsewhere, join(dataDir, 'board-token'));
    await expect(loadOrCreateBoardToken(dataDir)).rejects.toThrow(/board-token: not a regular file/);
    expect(await readFile(elsewhere, 'utf8')).toBe('keep me');
  });
});
