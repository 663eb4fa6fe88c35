import { parseConfigText, type ParseOutcome } from './parse.ts';
import { readConfigFile } from './read.ts';

/** Reads and validates a config file; an unreadable or oversized file is an issue like any other. */
export async function loadConfigFile(path: string): Promise<ParseOutcome> {
  const read = await readConfigFile(path);
  return read.ok ? parseConfigText(read.text, path) : { ok: false, issues: read.issues };
}
