/**
 * `INFO replication` as Redis writes it ("key:value" lines, replicas as
 * "slave0:ip=…,port=…,state=online,offset=…,lag=…"), parsed by a schema before use: a server
 * that answers something else is a protocol problem, never a crash.
 */
import { z } from 'zod';

const count = z.coerce.number().int().min(0);

const replicaLine = z.object({
  ip: z.string(),
  port: z.string(),
  state: z.string(),
  offset: count,
});

export const replicationInfoSchema = z.object({
  role: z.enum(['master', 'slave']),
  master_repl_offset: count,
  connected_slaves: count.optional(),
  master_host: z.string().optional(),
  master_port: z.string().optional(),
  master_link_status: z.enum(['up', 'down']).optional(),
  master_last_io_seconds_ago: z.coerce.number().int().optional(),
  master_link_down_since_seconds: z.coerce.number().int().optional(),
  master_sync_in_progress: z.enum(['0', '1']).optional(),
  slave_repl_offset: count.optional(),
});

export interface ReplicationInfo extends z.output<typeof replicationInfoSchema> {
  replicas: z.output<typeof replicaLine>[];
}

/** Parses the text of `INFO replication`; throws a ParserError-named error when it does not fit. */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const fields: Record<string, string> = {};
  const replicas: ReplicationInfo['replicas'] = [];
  for (const line of text.split(/\r?\n/).slice(0, 200)) {
    const at = line.indexOf(':');
    if (at <= 0 || line.startsWith('#')) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1).trim();
    if (/^slave\d+$/.test(key)) {
      const pairs = Object.fromEntries(value.split(',').map((p) => p.split('=', 2) as [string, string]));
      const parsed = replicaLine.safeParse(pairs);
      if (parsed.success) replicas.push(parsed.data);
    } else {
      fields[key] = value;
    }
  }
  const parsed = replicationInfoSchema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw Object.assign(new Error(`INFO replication: ${issue?.path.join('.') || 'answer'}: ${issue?.message}`), {
      name: 'ParserError',
    });
  }
  return { ...parsed.data, replicas };
}
