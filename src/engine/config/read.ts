import { open } from 'node:fs/promises';
import type { ConfigIssue } from '../../shared/model.ts';
import { MAX_CONFIG_BYTES, tooLarge } from './parse.ts';

export type ReadOutcome =
  { ok: true; text: string } | { ok: false; reason: 'too_large' | 'unreadable'; issues: ConfigIssue[] };

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a config file, never more than MAX_CONFIG_BYTES of it: a file too large to parse is
 * refused by its size, and one that grows while it is read (a generator still writing) is
 * refused when it passes the limit rather than read into the worker's heap.
 */
export async function readConfigFile(path: string): Promise<ReadOutcome> {
  const refused = (size: number): ReadOutcome => {
    const outcome = tooLarge(size, path);
    return { ok: false, reason: 'too_large', issues: outcome.ok ? [] : outcome.issues };
  };
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (!stats.isFile()) return unreadable(path, 'not a regular file');
    if (stats.size > MAX_CONFIG_BYTES) return refused(stats.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_CONFIG_BYTES) return refused(Math.max(total, (await handle.stat()).size));
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'not a regular file'
            : String(error);
    return unreadable(path, reason);
  } finally {
    await handle?.close().catch(() => {});
  }
}

function unreadable(path: string, message: string): ReadOutcome {
  return {
    ok: false,
    reason: 'unreadable',
    issues: [{ file: path, line: null, column: null, field: '(file)', message }],
  };
}
