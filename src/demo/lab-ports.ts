/**
 * The demo lab's ports, kept in the data directory so a restarted demo listens where it did
 * before: its checks' targets stay the same, and the board restores their last known states
 * (a check whose target changed starts afresh).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

const savedPorts = z.record(z.string(), z.number().int().min(1).max(65535));

export type LabPorts = Record<string, number>;

/** The file's name in the data directory. */
export const DEMO_PORTS_FILE = 'demo-ports.json';

/** The ports saved last time; none when the file is missing or not ours (the lab then takes free ones). */
export async function loadLabPorts(file: string): Promise<LabPorts> {
  try {
    const parsed = savedPorts.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Written whole through a temporary file, so a crash never leaves half a file. */
export async function saveLabPorts(file: string, ports: LabPorts): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.tmp`;
  await writeFile(temp, `${JSON.stringify(ports)}\n`);
  await rename(temp, file);
}
