import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file's content all at once: written to a temporary file beside it (same directory,
 * so the rename is atomic on one file system), fsynced, renamed over the file, and the directory
 * fsynced so the rename itself survives a power cut. Readers (the config watcher) see the old
 * file or the new one, never half of one; if anything fails the old file is left as it was and
 * the temporary file removed. The file's mode is kept.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const mode = (await stat(path)).mode & 0o7777;
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename has happened all the same.
  } finally {
    await directory.close();
  }
}
