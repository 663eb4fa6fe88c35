import { readFile } from 'node:fs/promises';
import { parseConfigText, type ParseOutcome } from './parse.ts';

/** Reads and validates a config file; an unreadable file is an issue like any other. */
export async function loadConfigFile(path: string): Promise<ParseOutcome> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(error);
    return { ok: false, issues: [{ file: path, line: null, column: null, field: '(file)', message: reason }] };
  }
  return parseConfigText(text, path);
}
