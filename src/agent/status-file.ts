/**
 * `<data-dir>/agent-status.json`: what the agent last knew of itself, written atomically
 * (a temporary file renamed over it) after a failed sync, after a good one that changes what it
 * says (the link, the network, the error, the checks, a backlog gone), and every few seconds.
 * `knockon agent-health` reads it: a fresh file means the agent is running and probing.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const STATUS_FILE = 'agent-status.json';

export const AgentStatusSchema = z.object({
  /** When this was written (the agent's clock). */
  at: z.number().finite(),
  /** running, or stopped once the agent has shut down cleanly. */
  state: z.enum(['running', 'stopped']),
  vantage: z.string(),
  /** The last sync attempt reached the centre and was accepted. */
  connected: z.boolean(),
  lastSyncAt: z.number().finite().nullable(),
  /** Why the last sync failed; null after a good one. */
  lastError: z.string().nullable(),
  buffered: z.int().min(0),
  dropped: z.int().min(0),
  /** Checks assigned (from the centre, or the stored assignment). */
  checks: z.int().min(0),
  /** The vantage's own network, from its reference checks. */
  online: z.boolean(),
  reason: z.string().nullable(),
  pid: z.int(),
});
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

export function writeStatusFile(dataDir: string, status: AgentStatus): void {
  const path = join(dataDir, STATUS_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(status) + '\n', { mode: 0o600 });
  renameSync(temp, path);
}

export type Health = { healthy: true; message: string } | { healthy: false; message: string };

/** Healthy while the agent's status file is fresh and says it is running. Never throws. */
export function agentHealth(dataDir: string, maxAgeMs: number, now = Date.now()): Health {
  const path = join(dataDir, STATUS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      healthy: false,
      message: code === 'ENOENT' ? `no ${path}: the agent has not started here` : `cannot read ${path}: ${code}`,
    };
  }
  let status: AgentStatus;
  try {
    const parsed = AgentStatusSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return { healthy: false, message: `${path} is not an agent status file` };
    status = parsed.data;
  } catch {
    return { healthy: false, message: `${path} is not JSON` };
  }
  if (status.state === 'stopped') return { healthy: false, message: 'the agent has stopped' };
  const age = now - status.at;
  if (age > maxAgeMs) {
    return {
      healthy: false,
      message: `the agent's status is ${Math.round(age / 1000)} s old (more than ${Math.round(maxAgeMs / 1000)} s): it is not running`,
    };
  }
  const link = status.connected
    ? 'synced with the centre'
    : `not synced with the centre${status.lastError ? ` (${status.lastError})` : ''}`;
  const network = status.online ? '' : `; its own network is failing: ${status.reason ?? 'reference checks down'}`;
  return {
    healthy: true,
    message: `probing ${status.checks} checks from ${status.vantage}; ${link}; ${status.buffered} results buffered, ${status.dropped} dropped${network}`,
  };
}
