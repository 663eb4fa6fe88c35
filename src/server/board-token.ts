/**
 * The generated board token, kept in `<dataDir>/board-token` (0600 in a 0700 directory) rather
 * than in the log: logs are read by many and kept for long. The same token survives a restart,
 * so browsers that saved it keep working.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BOARD_TOKEN_FILE = 'board-token';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{24,256}$/;
/** Windows has no POSIX modes; there the directory's ACL is what protects the file. */
const POSIX = process.platform !== 'win32';

export interface BoardTokenFile {
  token: string;
  path: string;
  /** False when a token from an earlier run was reused. */
  created: boolean;
}

/** Reads the token an earlier run left, or writes a new one. Throws with the path on a bad file. */
export async function loadOrCreateBoardToken(dataDir: string): Promise<BoardTokenFile> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, BOARD_TOKEN_FILE);
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing) {
    if (!existing.isFile()) throw new Error(`${path}: not a regular file; remove it and start again`);
    const token = (await readFile(path, 'utf8')).trim();
    // A token others could read may already be known: replace it rather than tighten the mode.
    if (TOKEN_SHAPE.test(token) && (!POSIX || (existing.mode & 0o077) === 0)) {
      return { token, path, created: false };
    }
  }
  const token = randomBytes(24).toString('base64url');
  // Written beside and renamed over, with 'wx': never through a planted symlink, never half a token.
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
  return { token, path, created: true };
}
