import { readFile, stat } from 'node:fs/promises';
import { MAX_CONFIG_BYTES, parseConfigText, tooLarge, type ParseOutcome } from './parse.ts';

/** Reads and validates a config file; an unreadable file is an issue like any other. */
export async function loadConfigFile(path: string): Promise<ParseOutcome> {
  let text: string;
  try {
    // Never read a file too large to parse: the size alone is the error.
    const size = (await stat(path)).size;
    if (size > MAX_CONFIG_BYTES) return tooLarge(size, path);
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(error);
    return { ok: false, issues: [{ file: path, line: null, column: null, field: '(file)', message: reason }] };
  }
  return parseConfigText(text, path);
}
