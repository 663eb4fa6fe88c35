import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { MAX_CONFIG_BYTES } from './parse.ts';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange(text)` when the file's content changes. Watches the directory rather than
 * the file, because editors often save by writing a new file and renaming it over the old one.
 */
export function watchConfigFile(
  path: string,
  onChange: (text: string) => void,
  debounceMs = 150,
  onTooLarge: (size: number) => void = () => {},
): () => void {
  const name = basename(path);
  let last: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const reread = async () => {
    timer = null;
    let text: string;
    try {
      const size = (await stat(path)).size;
      if (size > MAX_CONFIG_BYTES) {
        // Never read into the heap what could exhaust it: say so, keep the running config.
        if (!closed) onTooLarge(size);
        return;
      }
      text = await readFile(path, 'utf8');
    } catch {
      return; // Mid-rename or deleted: the next event (or the file's return) brings it back.
    }
    if (closed || text === last) return;
    last = text;
    onChange(text);
  };
  void readFile(path, 'utf8').then(
    (text) => {
      last ??= text;
    },
    () => {},
  );
  let watcher: FSWatcher | null = watch(dirname(path), { persistent: false }, (_event, file) => {
    if (file !== null && file !== name) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reread(), debounceMs);
  });
  watcher.on('error', () => {});
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    watcher?.close();
    watcher = null;
  };
}
