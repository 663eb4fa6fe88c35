import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ConfigIssue } from '../../shared/model.ts';
import { readConfigFile, type ReadOutcome } from './read.ts';

export interface WatchOptions {
  /** What the caller's own read found: the same text, or the same refusal, is not sent again. */
  initial: ReadOutcome | null;
  debounceMs?: number;
  /** The file is there but will not be read (too large): the running config stays. */
  onRefused?: (issues: ConfigIssue[]) => void;
}

/**
 * Calls `onChange(text)` when the file's content changes. Watches the directory rather than
 * the file, because editors often save by writing a new file and renaming it over the old one.
 * Reads once as it starts, so a save between the caller's own read and the watch is not lost.
 */
export function watchConfigFile(path: string, onChange: (text: string) => void, options: WatchOptions): () => void {
  const name = basename(path);
  const debounceMs = options.debounceMs ?? 150;
  const refusalOf = (read: ReadOutcome) => (read.ok ? null : read.issues.map((i) => i.message).join('\n'));
  let last = options.initial?.ok ? options.initial.text : null;
  let lastRefusal =
    options.initial && !options.initial.ok && options.initial.reason === 'too_large'
      ? refusalOf(options.initial)
      : null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const reread = async () => {
    timer = null;
    const read = await readConfigFile(path);
    if (closed) return;
    if (!read.ok) {
      // Mid-rename or deleted: the next event (or the file's return) brings it back.
      if (read.reason !== 'too_large') return;
      const refusal = refusalOf(read);
      if (refusal === lastRefusal) return;
      lastRefusal = refusal;
      last = null;
      options.onRefused?.(read.issues);
      return;
    }
    lastRefusal = null;
    if (read.text === last) return;
    last = read.text;
    onChange(read.text);
  };
  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void reread(), debounceMs);
  };
  let watcher: FSWatcher | null = watch(dirname(path), { persistent: false }, (_event, file) => {
    if (file !== null && file !== name) return;
    schedule();
  });
  watcher.on('error', () => {});
  schedule();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    watcher?.close();
    watcher = null;
  };
}
