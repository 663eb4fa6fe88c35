/**
 * The wire between a probe agent (`knockon agent`) and its centre (`knockon serve`).
 *
 * One request type, sent by the agent (agents sit behind NAT and firewalls: the centre never
 * connects to them): `POST /api/agent/v1/sync` with `Authorization: Bearer <agent token>` and an
 * `AgentSyncRequest` body. The centre answers with an `AgentSyncResponse`: the highest result
 * sequence it has written durably for the agent's stream (the agent drops what is acknowledged
 * and resends the rest: at least once on the wire, exactly once at the centre), and the
 * assignment (the checks this vantage probes) whenever the agent's revision differs.
 *
 * Accepted before acknowledged: an agent that says which sequence its batch follows (`after`)
 * is answered as soon as the results are applied, with `accepted` (the highest applied) beside
 * `ack` (the highest on disk, which may lag by a group commit). It sends its next batch after
 * `accepted` and drops results only once acknowledged; after any failed sync it starts again
 * from the oldest it holds. A centre that finds `after` beyond what it has applied (it restarted
 * and lost what was not yet on disk) applies nothing and answers where it is, and the agent
 * resends from there, so nothing is skipped. Agents that send no `after` are answered once
 * their results are on disk, as before.
 *
 * The results go up as one compact batch (`ResultBatch`, protocol 2): columns, one entry per
 * result, with check ids, messages and error classes each written once per batch and indexed,
 * sequence numbers and start times as differences from the previous result, and the rare
 * details (certificate, DNS answers, replication, …) only for the results that have them.
 * Columns are validated as a whole (one loop per column, not a schema per value), so the
 * centre reads a batch for a fraction of what one object per result cost (protocol 1, which
 * the centre now refuses, naming both versions: agent and centre are the same release).
 *
 * Everything the centre receives is parsed with these schemas before it is used.
 */
import { z } from 'zod';

export const AGENT_PROTOCOL_VERSION = 2;
export const AGENT_SYNC_PATH = '/api/agent/v1/sync';
/** Largest sync body the centre reads. */
export const MAX_AGENT_BODY_BYTES = 8 * 1024 * 1024;
/** Most results in one batch; a backlog goes up in several. */
export const MAX_BATCH_RESULTS = 5_000;

const text = (max: number) => z.string().max(max);
const ms = z.number().finite();
const nonNegative = z.number().finite().min(0);

const ERROR_CLASSES = [
  'dns_nxdomain',
  'dns_servfail',
  'dns_refused',
  'dns_timeout',
  'dns_error',
  'dns_mismatch',
  'dns_disagree',
  'connect_refused',
  'connect_timeout',
  'connect_reset',
  'connect_error',
  'tls_error',
  'tls_expired',
  'tls_hostname',
  'tls_self_signed',
  'tls_expiring',
  'http_status',
  'http_protocol',
  'body_mismatch',
  'body_too_large',
  'json_mismatch',
  'header_mismatch',
  'route53_unhealthy',
  'http_redirect_loop',
  'too_many_redirects',
  'send_timeout',
  'read_timeout',
  'timeout',
  'heartbeat_missed',
  'heartbeat_reported_down',
  'db_auth',
  'db_protocol',
  'db_error',
  'role_mismatch',
  'replication_stopped',
  'replication_lag',
  'replica_missing',
  'canary_late',
  'data_disagree',
  'promql_match',
  'promql_empty',
  'config_error',
  'probe_error',
] as const;

const errorClassSchema = z.enum(ERROR_CLASSES);
const errorClass = errorClassSchema.nullable();

/** A probe result as an agent sends it (src/shared/model.ts ProbeResult, bounded). */
export const WireResultSchema = z.object({
  checkId: text(64).min(1),
  startedAt: ms,
  ok: z.boolean(),
  latencyMs: nonNegative.nullable(),
  errorClass,
  message: text(2_000),
  httpStatus: z.int().min(0).max(999).optional(),
  degraded: z.boolean().optional(),
  phases: z
    .object({
      dnsMs: nonNegative,
      connectMs: nonNegative,
      tlsMs: nonNegative,
      ttfbMs: nonNegative,
      transferMs: nonNegative,
    })
    .optional(),
  tls: z
    .object({
      daysLeft: z.number().finite(),
      notAfter: ms,
      subject: text(1_000),
      issuer: text(1_000),
      authorized: z.boolean(),
    })
    .optional(),
  dns: z
    .array(
      z.object({
        resolver: text(300),
        rcode: text(32).nullable(),
        answers: z.array(text(1_000)).max(256),
        ttl: z.int().min(0).nullable(),
        latencyMs: nonNegative.nullable(),
        errorClass,
        message: text(2_000),
      }),
    )
    .max(64)
    .optional(),
  replication: z
    .object({
      role: z.enum(['primary', 'replica']).nullable(),
      lagSeconds: nonNegative.nullable(),
      lagBytes: nonNegative.nullable(),
      replicas: z
        .array(z.object({ name: text(200), state: text(64), lagBytes: nonNegative.nullable() }))
        .max(64)
        .optional(),
      canaryMs: nonNegative.nullable().optional(),
      nodes: z
        .array(z.object({ node: text(300), digest: text(64).nullable(), errorClass, message: text(2_000) }))
        .max(16)
        .optional(),
      disagreeSince: ms.nullable().optional(),
    })
    .optional(),
  finalUrl: text(8_192).optional(),
  prometheus: z
    .object({
      series: z
        .array(
          z.object({
            id: text(64),
            labels: z.record(text(256), text(2_000)).refine((l) => Object.keys(l).length <= 64),
            value: z.number(),
            failing: z.boolean(),
          }),
        )
        .max(1_000),
      total: z.int().min(0),
    })
    .optional(),
  headers: z
    .record(text(128), text(1_000))
    .refine((h) => Object.keys(h).length <= 32, { error: 'expected at most 32 headers' })
    .optional(),
  shortage: z.enum(['descriptors', 'memory', 'queue']).optional(),
  /**
   * The agent's own network was failing (its vantage's reference checks down) when it probed:
   * the result is the observer's, not evidence about the target, and does not vote.
   */
  observerOffline: z.boolean().optional(),
});

export type WireResult = z.infer<typeof WireResultSchema>;

/** A result with its number in the agent's stream (the agent's buffer gives them so). */
export interface NumberedResult {
  seq: number;
  result: WireResult;
}

/** The fields a batch sends only for the results that have them, one object per such result. */
const DETAIL_KEYS = ['tls', 'dns', 'replication', 'finalUrl', 'prometheus', 'headers', 'shortage'] as const;
const WireDetailsSchema = z.strictObject(
  WireResultSchema.pick({
    tls: true,
    dns: true,
    replication: true,
    finalUrl: true,
    prometheus: true,
    headers: true,
    shortage: true,
  }).shape,
);

/** `flags`: bits of each result's booleans. */
const OK = 1;
const DEGRADED = 2;
const NOT_DEGRADED = 4;
const OBSERVER_OFFLINE = 8;

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isTiming = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isPhases = (v: unknown): boolean =>
  v === null ||
  (Array.isArray(v) &&
    v.length === 5 &&
    isTiming(v[0]) &&
    isTiming(v[1]) &&
    isTiming(v[2]) &&
    isTiming(v[3]) &&
    isTiming(v[4]));

/**
 * A column: an array of at most MAX_BATCH_RESULTS values, each passing `valid`, checked in one
 * loop. The first bad value is reported with its index.
 */
function column<T>(valid: (value: unknown) => boolean, expected: string) {
  return z
    .custom<T[]>((v) => Array.isArray(v), { error: `expected an array of ${expected}` })
    .superRefine((values, ctx) => {
      if (values.length > MAX_BATCH_RESULTS) {
        ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_BATCH_RESULTS} entries`, input: values });
        return;
      }
      for (let i = 0; i < values.length; i++) {
        if (!valid(values[i])) {
          ctx.addIssue({ code: 'custom', message: `expected ${expected}`, path: [i], input: values[i] });
          return;
        }
      }
    });
}

const COLUMNS = ['check', 'at', 'flags', 'latency', 'error', 'message', 'http', 'phases'] as const;

/**
 * Results as columns, one entry per result in each (see the file's comment). `seq` and `at` hold
 * differences: the first entry is the first result's sequence number (start time, ms since the
 * epoch), each next one what it adds to the one before. Timings are sent to the microsecond.
 */
export const ResultBatchSchema = z
  .strictObject({
    /** Sequence numbers: the first, then each one's step from the one before (at least 1). */
    seq: column<number>((v) => isInt(v, 1), 'integers of at least 1'),
    /** The check ids of the batch, each once; `check` indexes them. */
    checks: z.array(text(64).min(1)).max(MAX_BATCH_RESULTS),
    /** The messages of the batch, each once; `message` indexes them. */
    messages: z.array(text(2_000)).max(MAX_BATCH_RESULTS),
    /** The error classes of the batch, each once; `error` indexes them (-1: none). */
    errors: z.array(errorClassSchema).max(ERROR_CLASSES.length),
    check: column<number>((v) => isInt(v, 0), 'indexes into checks'),
    /** Start times in whole ms: the first, then differences. */
    at: column<number>((v) => isInt(v, Number.MIN_SAFE_INTEGER), 'integers (ms)'),
    /** 1 ok, 2 degraded, 4 explicitly not degraded, 8 probed while the agent's network was failing. */
    flags: column<number>(
      (v) => isInt(v, 0, 15) && ((v as number) & (DEGRADED | NOT_DEGRADED)) !== (DEGRADED | NOT_DEGRADED),
      'flags (0 to 15, not both 2 and 4)',
    ),
    latency: column<number | null>((v) => v === null || isTiming(v), 'latencies (ms, at least 0) or null'),
    error: column<number>((v) => isInt(v, -1), 'indexes into errors, or -1'),
    message: column<number>((v) => isInt(v, 0), 'indexes into messages'),
    /** The HTTP status, or null for none. */
    http: column<number | null>((v) => v === null || isInt(v, 0, 999), 'HTTP statuses (0 to 999) or null'),
    /** [dns, connect, tls, ttfb, transfer] in ms, or null for none. */
    phases: column<[number, number, number, number, number] | null>(isPhases, 'five timings (ms, at least 0) or null'),
    /** The results with details beyond the columns: [index, details], in index order. */
    details: z.array(z.tuple([z.int().min(0), WireDetailsSchema])).max(MAX_BATCH_RESULTS),
  })
  .superRefine((batch, ctx) => {
    const n = batch.seq.length;
    for (const name of COLUMNS) {
      if (batch[name].length !== n) {
        ctx.addIssue({
          code: 'custom',
          message: `expected ${n} entries (one per result, as seq has), got ${batch[name].length}`,
          path: [name],
          input: batch[name],
        });
        return;
      }
    }
    const indexes = [
      ['check', batch.checks.length],
      ['message', batch.messages.length],
      ['error', batch.errors.length],
    ] as const;
    for (const [name, size] of indexes) {
      const values = batch[name];
      for (let i = 0; i < n; i++) {
        if (values[i]! >= size) {
          const table = name === 'check' ? 'checks' : `${name}s`;
          ctx.addIssue({
            code: 'custom',
            message: `no entry ${values[i]} in ${table}`,
            path: [name, i],
            input: values[i],
          });
          return;
        }
      }
    }
    let seq = 0;
    let at = 0;
    for (let i = 0; i < n; i++) {
      seq += batch.seq[i]!;
      at += batch.at[i]!;
      if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(at)) {
        const name = Number.isSafeInteger(seq) ? 'at' : 'seq';
        ctx.addIssue({
          code: 'custom',
          message: 'the running sum leaves the safe integers',
          path: [name, i],
          input: batch[name][i],
        });
        return;
      }
    }
    let previous = -1;
    for (let i = 0; i < batch.details.length; i++) {
      const index = batch.details[i]![0];
      if (index <= previous || index >= n) {
        ctx.addIssue({
          code: 'custom',
          message: `expected result indexes in increasing order below ${n}, got ${index}`,
          path: ['details', i, 0],
          input: index,
        });
        return;
      }
      previous = index;
    }
  });
export type ResultBatch = z.infer<typeof ResultBatchSchema>;

const micro = (ms: number): number => (Number.isInteger(ms) ? ms : Math.round(ms * 1_000) / 1_000);

/** The batch of results, in their order (the agent's side). */
export function encodeBatch(items: readonly NumberedResult[]): ResultBatch {
  const batch: ResultBatch = {
    seq: [],
    checks: [],
    messages: [],
    errors: [],
    check: [],
    at: [],
    flags: [],
    latency: [],
    error: [],
    message: [],
    http: [],
    phases: [],
    details: [],
  };
  const checks = new Map<string, number>();
  const messages = new Map<string, number>();
  const errors = new Map<string, number>();
  const intern = (table: Map<string, number>, list: string[], value: string): number => {
    let index = table.get(value);
    if (index === undefined) {
      index = list.push(value) - 1;
      table.set(value, index);
    }
    return index;
  };
  let seq = 0;
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    const { seq: number, result: r } = items[i]!;
    const startedAt = Math.round(r.startedAt);
    batch.seq.push(number - seq);
    batch.at.push(startedAt - at);
    seq = number;
    at = startedAt;
    batch.check.push(intern(checks, batch.checks, r.checkId));
    batch.flags.push(
      (r.ok ? OK : 0) |
        (r.degraded === true ? DEGRADED : r.degraded === false ? NOT_DEGRADED : 0) |
        (r.observerOffline === true ? OBSERVER_OFFLINE : 0),
    );
    batch.latency.push(r.latencyMs === null ? null : micro(r.latencyMs));
    batch.error.push(r.errorClass === null ? -1 : intern(errors, batch.errors, r.errorClass));
    batch.message.push(intern(messages, batch.messages, r.message));
    batch.http.push(r.httpStatus ?? null);
    const p = r.phases;
    batch.phases.push(
      p ? [micro(p.dnsMs), micro(p.connectMs), micro(p.tlsMs), micro(p.ttfbMs), micro(p.transferMs)] : null,
    );
    let details: z.infer<typeof WireDetailsSchema> | null = null;
    for (const key of DETAIL_KEYS) {
      if (r[key] !== undefined) (details ??= {})[key] = r[key] as never;
    }
    if (details) batch.details.push([i, details]);
  }
  return batch;
}

/**
 * The results of a parsed batch numbered after `after`, in order, and the highest number in it
 * (`after` when there is none beyond it): the centre's side. Each result is a new object.
 */
export function decodeBatch(batch: ResultBatch, after = 0): { last: number; results: WireResult[] } {
  const results: WireResult[] = [];
  let last = after;
  let seq = 0;
  let at = 0;
  let detail = 0;
  for (let i = 0; i < batch.seq.length; i++) {
    seq += batch.seq[i]!;
    at += batch.at[i]!;
    while (detail < batch.details.length && batch.details[detail]![0] < i) detail++;
    if (seq <= last) continue;
    last = seq;
    const flags = batch.flags[i]!;
    const error = batch.error[i]!;
    const result: WireResult = {
      checkId: batch.checks[batch.check[i]!]!,
      startedAt: at,
      ok: (flags & OK) !== 0,
      latencyMs: batch.latency[i]!,
      errorClass: error === -1 ? null : batch.errors[error]!,
      message: batch.messages[batch.message[i]!]!,
    };
    const http = batch.http[i];
    if (http !== null && http !== undefined) result.httpStatus = http;
    if ((flags & (DEGRADED | NOT_DEGRADED)) !== 0) result.degraded = (flags & DEGRADED) !== 0;
    const p = batch.phases[i];
    if (p) result.phases = { dnsMs: p[0], connectMs: p[1], tlsMs: p[2], ttfbMs: p[3], transferMs: p[4] };
    if (detail < batch.details.length && batch.details[detail]![0] === i)
      Object.assign(result, batch.details[detail]![1]);
    if ((flags & OBSERVER_OFFLINE) !== 0) result.observerOffline = true;
    results.push(result);
  }
  return { last, results };
}

/** What a body said its protocol was, for the refusal: a number as it is, anything else by its type. */
function describeVersion(input: unknown): string {
  if (typeof input === 'number' && Number.isFinite(input)) return String(input);
  const kind = input === null ? 'null' : typeof input;
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/**
 * All the centre reads of a sync that AgentSyncRequestSchema refused: the version the agent says
 * it runs, for the reason the vantage shows (an agent newer than its centre, most often).
 */
export const ClaimedAgentVersionSchema = z.object({ agent: z.object({ version: z.string().min(1).max(64) }) });

export const AgentSyncRequestSchema = z.strictObject({
  v: z.literal(AGENT_PROTOCOL_VERSION, {
    error: (issue) =>
      `this centre speaks agent protocol ${AGENT_PROTOCOL_VERSION}, the agent sent ${describeVersion(issue.input)}: ` +
      'run the same Knockon release at the centre and its agents',
  }),
  /** The vantage the agent reports as; the token must be bound to it. */
  vantage: text(64).min(1),
  agent: z.strictObject({
    version: text(64),
    /**
     * A random id the agent keeps in its data directory: sequence numbers count within it, so an
     * agent whose buffer was wiped starts a new stream instead of being taken for a replay.
     */
    stream: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    startedAt: ms,
  }),
  /** The agent's clock when it sent this (the centre derives clock skew from it). */
  sentAt: ms,
  /** Revision of the assignment the agent runs; null when it has none. */
  assignmentRev: text(128).nullable(),
  /**
   * How often the agent syncs (its --sync-interval): the centre answers with its next slot on
   * a beat of that period (`nextInMs`), so that agents sync together. Absent: no slot is given.
   */
  syncEveryMs: z.int().min(1).max(3_600_000).optional(),
  /**
   * The sequence this batch follows: the highest the centre answered as `accepted` on this
   * connection, 0 after a failure (from the oldest the agent holds). Absent: the agent waits
   * for each batch's acknowledgement (see the file's comment).
   */
  after: z.int().min(0).optional(),
  /** Results in sequence order, each numbered within the stream (1, 2, 3, …). */
  results: ResultBatchSchema,
  status: z.strictObject({
    /** Results waiting at the agent after this batch. */
    buffered: z.int().min(0),
    /** Results dropped from the agent's full buffer since it started. */
    dropped: z.int().min(0),
    /** The agent's own network, from its reference checks. */
    online: z.boolean(),
    reason: text(2_000).nullable(),
  }),
});

export type AgentSyncRequest = z.infer<typeof AgentSyncRequestSchema>;

/**
 * What an agent runs: a config document (the same schema as a config file, JSON) holding only
 * the checks probed from its vantage, with the vantage's reference checks. Secrets stay env
 * references: the agent reads them from its own environment.
 */
export const AssignmentSchema = z.strictObject({
  /** Content hash: the same checks give the same revision, across centre restarts. */
  rev: text(128).min(1),
  vantage: text(64).min(1),
  config: z.record(z.string(), z.unknown()),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

export const AgentSyncResponseSchema = z.strictObject({
  v: z.literal(AGENT_PROTOCOL_VERSION),
  /** Highest sequence of this stream stored durably at the centre (0: none yet). */
  ack: z.int().min(0),
  /** Highest sequence applied at the centre, on disk or not yet (only when the request has `after`). */
  accepted: z.int().min(0).optional(),
  /** Present when the agent's assignmentRev differs from the centre's. */
  assignment: AssignmentSchema.optional(),
  /** The centre's clock when it answered. */
  at: ms,
  /**
   * Ms from this answer to the agent's next slot on the centre's beat (src/engine/vantages/beat.ts),
   * when the request gave `syncEveryMs`: the agent sends its next sync that long after the
   * answer left, less its round trip, so that agents' syncs arrive together.
   */
  nextInMs: z.int().min(0).max(3_600_000).optional(),
});
export type AgentSyncResponse = z.infer<typeof AgentSyncResponseSchema>;
