/**
 * A row of SHOW REPLICA STATUS (MySQL 8.0.22+, MariaDB 10.5+) or SHOW SLAVE STATUS (older), read
 * through one schema: MySQL renamed the columns (Replica_IO_Running, Seconds_Behind_Source),
 * MariaDB kept the old names; both spellings are accepted and nothing else is trusted.
 */
import { z } from 'zod';

const yesNo = z.string().nullable().optional();

const rowSchema = z.looseObject({
  Replica_IO_Running: yesNo,
  Slave_IO_Running: yesNo,
  Replica_SQL_Running: yesNo,
  Slave_SQL_Running: yesNo,
  Seconds_Behind_Source: z.coerce.number().nullable().optional(),
  Seconds_Behind_Master: z.coerce.number().nullable().optional(),
  Source_Host: z.string().nullable().optional(),
  Master_Host: z.string().nullable().optional(),
  Source_Port: z.coerce.number().nullable().optional(),
  Master_Port: z.coerce.number().nullable().optional(),
  Last_IO_Error: z.string().nullable().optional(),
  Last_SQL_Error: z.string().nullable().optional(),
  Slave_SQL_Running_State: z.string().nullable().optional(),
  Replica_SQL_Running_State: z.string().nullable().optional(),
});

export interface ReplicaStatus {
  /** "Yes", "No" or "Connecting" as the server says it. */
  ioRunning: string;
  sqlRunning: string;
  /** NULL when the SQL thread is stopped or the IO thread cannot connect: unknown, never "no lag". */
  secondsBehind: number | null;
  source: string;
  lastIoError: string;
  lastSqlError: string;
}

/** Reads a status row; throws (named ParserError) when it is not one. */
export function parseReplicaStatus(row: unknown): ReplicaStatus {
  const parsed = rowSchema.safeParse(row);
  const io = parsed.success ? (parsed.data.Replica_IO_Running ?? parsed.data.Slave_IO_Running) : undefined;
  if (!parsed.success || io === undefined) {
    throw Object.assign(new Error('SHOW REPLICA STATUS: not a replica status row'), { name: 'ParserError' });
  }
  const r = parsed.data;
  const host = r.Source_Host ?? r.Master_Host ?? '?';
  const port = r.Source_Port ?? r.Master_Port;
  return {
    ioRunning: io ?? 'No',
    sqlRunning: r.Replica_SQL_Running ?? r.Slave_SQL_Running ?? 'No',
    secondsBehind: r.Seconds_Behind_Source ?? r.Seconds_Behind_Master ?? null,
    source: port ? `${host}:${port}` : host,
    lastIoError: r.Last_IO_Error ?? '',
    lastSqlError: r.Last_SQL_Error ?? '',
  };
}
