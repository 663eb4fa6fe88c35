/**
 * The headless board's certificate and key, read from files and read again when either changes
 * (certbot, cert-manager and friends renew in place), so a renewal needs no restart. A new pair
 * that does not load (half-written, key and certificate not matching) is refused and the one in
 * use stays; the next change tries again.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsPair {
  cert: string;
  key: string;
}

/** Reads and checks a pair; throws naming the file or the mismatch. */
export async function readTlsPair(files: TlsFiles): Promise<TlsPair> {
  const read = (path: string, what: string) =>
    readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${what} ${path}: ${error.code ?? error.message}`, { cause: error });
    });
  const [cert, key] = await Promise.all([read(files.certFile, 'TLS certificate'), read(files.keyFile, 'TLS key')]);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(
      `TLS certificate ${files.certFile} and key ${files.keyFile} do not load together: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return { cert, key };
}

/** Calls `onPair` with each good new pair after a change, `onError` for a bad one. Returns stop. */
export function watchTlsPair(
  files: TlsFiles,
  onPair: (pair: TlsPair) => void,
  onError: (message: string) => void,
): () => void {
  const names = new Set([basename(files.certFile), basename(files.keyFile)]);
  const dirs = new Set([dirname(files.certFile), dirname(files.keyFile)]);
  let timer: ReturnType<typeof setTimeout> | null = null;
  // Renewals write two files, often by rename: one read after the burst settles.
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      readTlsPair(files).then(onPair, (error: unknown) =>
        onError(error instanceof Error ? error.message : String(error)),
      );
    }, 100);
  };
  // The directory, not the file: a rename replaces the file a watch on it would follow.
  const watchers: FSWatcher[] = [...dirs].map((dir) =>
    watch(dir, (_event, name) => {
      if (name === null || names.has(String(name))) changed();
    }),
  );
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
