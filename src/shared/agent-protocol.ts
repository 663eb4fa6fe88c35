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
 * Everything the centre receives is parsed with these schemas before it is used.
 */
import { z } from 'zod';

export const AGENT_PROTOCOL_VERSION = 1;
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

const errorClass = z.enum(ERROR_CLASSES).nullable();

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

export const AgentSyncRequestSchema = z.strictObject({
  v: z.literal(AGENT_PROTOCOL_VERSION),
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
  /** Results in sequence order, each numbered within the stream (1, 2, 3, …). */
  results: z.array(z.strictObject({ seq: z.int().min(1), result: WireResultSchema })).max(MAX_BATCH_RESULTS),
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
export type WireResult = z.infer<typeof WireResultSchema>;

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
  /** Present when the agent's assignmentRev differs from the centre's. */
  assignment: AssignmentSchema.optional(),
  /** The centre's clock when it answered. */
  at: ms,
});
export type AgentSyncResponse = z.infer<typeof AgentSyncResponseSchema>;
