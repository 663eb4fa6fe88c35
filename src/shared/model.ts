/** The words of DESIGN.md, as types shared by engine, transports and renderer. */
import type { ActorRef } from './actor.ts';

export type Status = 'up' | 'degraded' | 'down' | 'unknown' | 'maintenance';

export const STATUSES: readonly Status[] = ['down', 'degraded', 'unknown', 'maintenance', 'up'];

/**
 * Why a probe failed. Stable strings: they are stored, alerted on and shown on the wall.
 * `probe_error` is reserved for failures of the observer itself, never of the target.
 */
export type ErrorClass =
  | 'dns_nxdomain'
  | 'dns_servfail'
  | 'dns_refused'
  | 'dns_timeout'
  | 'dns_error'
  | 'dns_mismatch'
  | 'dns_disagree'
  | 'connect_refused'
  | 'connect_timeout'
  | 'connect_reset'
  | 'connect_error'
  | 'tls_error'
  | 'tls_expired'
  | 'tls_hostname'
  | 'tls_self_signed'
  | 'tls_expiring'
  | 'http_status'
  | 'http_protocol'
  | 'body_mismatch'
  | 'body_too_large'
  | 'json_mismatch'
  | 'header_mismatch'
  | 'route53_unhealthy'
  | 'http_redirect_loop'
  | 'too_many_redirects'
  | 'send_timeout'
  | 'read_timeout'
  | 'timeout'
  | 'heartbeat_missed'
  | 'heartbeat_reported_down'
  | 'db_auth'
  | 'db_protocol'
  | 'db_error'
  | 'role_mismatch'
  | 'replication_stopped'
  | 'replication_lag'
  | 'replica_missing'
  | 'canary_late'
  | 'data_disagree'
  | 'promql_match'
  | 'promql_empty'
  | 'config_error'
  | 'probe_error';

/**
 * Results that say nothing about the target: the observer could not probe (`probe_error`), or
 * the check as configured cannot be asked (`config_error`: a PromQL query Prometheus refuses).
 * Neither changes a status, counts in availability nor alarms; both show on the check's line.
 */
export function isObserverFault(errorClass: string | null): boolean {
  return errorClass === 'probe_error' || errorClass === 'config_error';
}

/**
 * A slow success: at or over the check's degraded latency, or one the probe itself marks
 * degraded (a certificate inside min_days_left, a late heartbeat). One rule for the status
 * rules, the heartbeat strip and `knockon check`.
 */
export function isSlow(
  result: Pick<ProbeResult, 'ok' | 'latencyMs' | 'degraded'>,
  degradedLatencyMs: number | null,
): boolean {
  return (
    result.ok &&
    (result.degraded === true ||
      (degradedLatencyMs !== null && result.latencyMs !== null && result.latencyMs >= degradedLatencyMs))
  );
}

/** One series a prometheus check's query returned: its labels kept, a stable id made from them. */
export interface PromSeries {
  /** Stable across probes and restarts: derived from the (instance_labels of the) labels. */
  id: string;
  labels: Record<string, string>;
  value: number;
  /** Whether this series is what makes the check down (matched, or past the threshold). */
  failing: boolean;
}

/** A prometheus check's answer: the series (at most max_series) and how many there were. */
export interface PromDetails {
  series: PromSeries[];
  total: number;
}

/**
 * What the observer itself ran short of when a probe could not run (set only on probe_error
 * results): file descriptors, memory or network buffers, or room in the engine's probe queue.
 */
export type ObserverShortage = 'descriptors' | 'memory' | 'queue';

/** Time spent in each phase of one HTTP probe, ms; a phase that did not happen is 0. */
export interface PhaseTimings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  /** From the request fully sent to the first response byte (server think time). */
  ttfbMs: number;
  /** From the first response byte to the end of what was read. */
  transferMs: number;
}

/** The certificate chain a server presented, summarised for expiry warnings. */
export interface TlsDetails {
  /** Days until the earliest notAfter in the presented chain; negative once expired. */
  daysLeft: number;
  /** Earliest notAfter in the chain, ms since the epoch. */
  notAfter: number;
  subject: string;
  issuer: string;
  /** Whether the chain verified against the trust store and the hostname. */
  authorized: boolean;
}

/** One resolver's answer to a DNS probe: the unit of "has the change propagated there yet". */
export interface DnsResolverAnswer {
  resolver: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, …; null when no valid reply arrived. */
  rcode: string | null;
  /** Answers of the asked type, normalised to text and sorted. */
  answers: string[];
  /** Smallest TTL among those answers, seconds; null without answers. */
  ttl: number | null;
  latencyMs: number | null;
  errorClass: ErrorClass | null;
  message: string;
}

export interface HeartbeatDetails {
  /** Time of the last accepted heartbeat; null when none arrived since the engine started. */
  lastBeatAt: number | null;
  ageMs: number | null;
  reportedStatus: 'up' | 'down' | null;
  message: string | null;
  value: number | null;
}

/** One replica as its primary sees it (postgres pg_stat_replication, redis INFO replication). */
export interface AttachedReplica {
  name: string;
  /** streaming, catchup, online, wait_bgsave, … as the server says it. */
  state: string;
  lagBytes: number | null;
}

/** One node's answer to a consistency check. */
export interface NodeReading {
  node: string;
  /** A short digest of the value (never the value: it may be private); null when absent. */
  digest: string | null;
  errorClass: ErrorClass | null;
  message: string;
}

/** Data-tier checks (postgres, mysql, redis, consistency): what replication looked like. */
export interface ReplicationDetails {
  role: 'primary' | 'replica' | null;
  /** Seconds behind the primary; null on a primary, or when the replica cannot say. */
  lagSeconds: number | null;
  /** Bytes (WAL or offset) not yet replayed; null when not known. */
  lagBytes: number | null;
  /** On a primary: the replicas attached to it. */
  replicas?: AttachedReplica[];
  /** Canary write on the primary to read on this replica, ms; null when it did not arrive in time. */
  canaryMs?: number | null;
  /** Consistency checks: each node's reading, in config order. */
  nodes?: NodeReading[];
  /** Consistency checks: since when the nodes disagree, ms since the epoch. */
  disagreeSince?: number | null;
}

/** What one probe returned. */
export interface ProbeResult {
  checkId: string;
  /** Wall-clock time the probe started, ms since the epoch. */
  startedAt: number;
  ok: boolean;
  /** Total time of the probe in ms; null when it could not be measured. */
  latencyMs: number | null;
  errorClass: ErrorClass | null;
  message: string;
  /** HTTP status code, when there was one. */
  httpStatus?: number;
  /**
   * A success that still counts towards degraded, whatever its latency: a certificate close to
   * expiry, a late heartbeat.
   */
  degraded?: boolean;
  /** HTTP only: where the time went, on the last request of a redirect chain. */
  phases?: PhaseTimings;
  /** HTTPS and TLS checks: the certificate presented. */
  tls?: TlsDetails;
  /** DNS checks: every resolver's answer, in config order. */
  dns?: DnsResolverAnswer[];
  heartbeat?: HeartbeatDetails;
  /** Data-tier checks: role, lag, replicas, canary, node agreement. */
  replication?: ReplicationDetails;
  /** HTTP: the URL answered last, when redirects were followed. */
  finalUrl?: string;
  /** Prometheus checks: the series the query returned. */
  prometheus?: PromDetails;
  /**
   * HTTP: the response headers the config asks about (`expect.headers`, a component's
   * `backup_in_use`), lower-case names; only those, so no cookie or token is ever kept.
   */
  headers?: Record<string, string>;
  /** probe_error only: the probe could not run because the observer ran out of this. */
  shortage?: ObserverShortage;
  /** The vantage that probed it; absent means this machine (the local vantage). */
  vantage?: string;
  /**
   * Set when the vantage's own network was failing (its reference checks down) as it probed:
   * the result is the observer's, not evidence about the target, and does not vote.
   */
  observerOffline?: boolean;
  /**
   * Set by the history when the check was in a planned maintenance window as it was probed: the
   * result is kept and shown, and not charged to availability.
   */
  maintenance?: boolean;
}

/** One vantage's view of one check: the unit of observation is (check, vantage). */
export interface CheckVantageView {
  vantage: string;
  status: Status;
  since: number | null;
  lastProbeAt: number | null;
  latencyMs: number | null;
  errorClass: ErrorClass | null;
  message: string;
  /** Whether this view counts now: fresh data from an online observer. */
  voting: boolean;
}

/** How the vantages of a check decided its status. */
export interface QuorumView {
  /** For people: "majority of 3", "2 of 3", "route53 (more than 18% of 3 healthy)". */
  rule: string;
  /** Vantages with fresh data from an online observer. */
  voters: number;
  /** Vantages the check is probed from. */
  of: number;
  /** Voting vantages that see it down. */
  failing: string[];
  /** Too few voters to decide: the status is the last one decided. */
  held: boolean;
  /** Some voting vantages see it down, the quorum does not: a path problem, never an outage. */
  pathProblem: boolean;
}

/** A check as the board shows it. Sent whole whenever any of it changes. */
export interface CheckView {
  id: string;
  name: string;
  type: string;
  target: string;
  region: string | null;
  intervalMs: number;
  timeoutMs: number;
  status: Status;
  /** When the status last changed, ms since the epoch; null before the first decision. */
  since: number | null;
  lastProbeAt: number | null;
  latencyMs: number | null;
  errorClass: ErrorClass | null;
  message: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** The check's degraded_latency threshold, so charts can draw it; null when not set. */
  degradedLatencyMs?: number | null;
  /**
   * Slots skipped because the previous probe was still running (a timeout longer than the
   * interval, or a slow target), since the engine started; absent while none was.
   */
  skippedSlots?: number;
  /** What the last probe saw beyond status and latency, for drill-down and DNS propagation. */
  details?: ProbeDetails;
  /** Probed from more than this machine: each vantage's view, in config order. */
  vantages?: CheckVantageView[];
  /** Probed from more than this machine: how the vantages decided. */
  quorum?: QuorumView;
  /**
   * The last known state from before a restart, not probed since: shown stale (never as
   * current) until the next result.
   */
  restored?: true;
  /** Paused in the config (`enabled: false`): not probed, status unknown. */
  paused?: true;
  /** The latest results at a glance, oldest first, one letter each (see shared/beats.ts). */
  beats?: string;
  /**
   * A check instance (a prometheus check with `instances: true` makes one per series it
   * returns): the id of the check it belongs to. Its own id is `<check id>/<series id>`.
   */
  instanceOf?: string;
  /** A check instance: its series' labels. */
  labels?: Record<string, string>;
  /** A check with instances: how many it has now, and how many of them are down. */
  instanceCounts?: InstanceCounts;
}

export interface InstanceCounts {
  total: number;
  down: number;
}

/** The optional parts of a probe result, as the board shows them for the last probe. */
export type ProbeDetails = Pick<
  ProbeResult,
  'httpStatus' | 'phases' | 'tls' | 'dns' | 'heartbeat' | 'finalUrl' | 'headers' | 'replication' | 'prometheus'
>;

export interface RegionView {
  id: string;
  name: string;
  lat: number;
  lon: number;
  providerRegion: string | null;
}

/** One problem found in a config file, located well enough to fix it without guessing. */
export interface ConfigIssue {
  file: string;
  line: number | null;
  column: number | null;
  /** Dotted path of the field, such as checks[2].url. */
  field: string;
  message: string;
}

export interface ConfigState {
  /** Where the running config came from: a file path, or "built-in demo". */
  source: string;
  /** Time the running config was applied. */
  appliedAt: number;
  /** Set while the file on disk is invalid and the last good config keeps running. */
  error: { at: number; issues: ConfigIssue[] } | null;
}

export interface BoardSnapshot {
  title: string;
  timezone: string;
  generatedAt: number;
  config: ConfigState;
  regions: RegionView[];
  checks: CheckView[];
  components: ComponentView[];
  /** Open incidents and recently resolved ones, newest first. */
  incidents: IncidentView[];
  /** This machine as an observer (the local vantage). */
  vantage: VantageView;
  /** Every vantage, this machine first, then the agents in config order. Absent from older engines. */
  vantages?: VantageView[];
  failovers: FailoverView[];
}

/** A component's dependency role in the current failure picture (Nagios's DOWN versus UNREACHABLE). */
export type ImpactRole = 'healthy' | 'root_cause' | 'impacted';

/** Something the NOC cares about (a load balancer, an API, a database, a DNS zone). */
export interface ComponentView {
  id: string;
  name: string;
  kind: string;
  region: string | null;
  site: string | null;
  status: Status;
  since: number | null;
  role: ImpactRole;
  /** For an impacted component: the root causes it is downstream of. */
  impactedBy: string[];
  checks: string[];
  dependsOn: string[];
  flapping: boolean;
  /**
   * A load balancer with `backup_in_use`: the header that says its backup answered the last
   * successful probe (the board shows "serving from the backup"), or null when the primary did.
   * Absent when the component has no such rule.
   */
  backupInUse?: { check: string; header: string; value: string | null } | null;
}

export type IncidentEventKind =
  | 'detected'
  | 'pending'
  | 'firing'
  | 'escalated'
  | 'impact_changed'
  | 'acknowledged'
  | 'silenced'
  | 'notification'
  | 'failover'
  | 'dns_propagation'
  | 'recovered'
  | 'resolved'
  | 'note';

export interface IncidentEvent {
  at: number;
  kind: IncidentEventKind;
  message: string;
  /** Structured detail (receiver and outcome, failover step, resolver answers…). */
  data?: Record<string, unknown>;
}

export type Severity = 'critical' | 'warning' | 'info';

/** One problem over time: its root cause, blast radius and timeline. */
export interface IncidentView {
  id: string;
  title: string;
  severity: Severity;
  state: 'open' | 'resolved';
  /** The root cause: a component id, or a check id when the check belongs to no component. */
  rootCause: { kind: 'component' | 'check'; id: string; name: string };
  /** Components and checks impacted by the root cause (its blast radius). */
  impacted: { kind: 'component' | 'check'; id: string; name: string; region: string | null }[];
  openedAt: number;
  /** When the first failing result was seen (for MTTD). */
  detectedAt: number;
  resolvedAt: number | null;
  /** `by` is the actor's name, kept for display; `actor` says who and the way in (absent before 0.2). */
  acknowledged: { by: string; actor?: ActorRef; note: string; at: number } | null;
  events: IncidentEvent[];
  /** Time to detect: from the first failing result to the incident opening (openedAt - detectedAt). */
  mttdMs?: number | null;
  /** Time to resolve: from the first failing result to resolution; null while open. */
  mttrMs?: number | null;
  /** Notifications are held until then (incidents.silence); null or absent when not silenced. */
  silencedUntil?: number | null;
  /** Set when this incident was folded into another one whose root cause is upstream of its own. */
  mergedInto?: string | null;
  /** The vantages that saw the root cause down when the incident opened (ids). */
  seenBy?: string[];
}

/** Whether this observer can be trusted: reference checks failing means our own network is down. */
export interface VantageView {
  id: string;
  name: string;
  online: boolean;
  reason: string | null;
  /**
   * The observer's own resources: degraded while probes recently could not run because this
   * machine ran short (descriptors, memory, queue room). Absent from older engines: treat as
   * healthy.
   */
  health?: ObserverHealthView;
  /** Whether history, incidents and the failover audit are being saved. Absent: they are. */
  storage?: StorageHealthView;
  /** Remote-write queues retrying or having dropped samples. Absent: all well, or none configured. */
  remoteWrite?: RemoteWriteHealth[];
  /** `local` for this machine, `agent` for a probe agent elsewhere. Absent: local. */
  kind?: 'local' | 'agent';
  region?: string | null;
  lat?: number | null;
  lon?: number | null;
  /** Agents: the link to the centre. */
  link?: AgentLinkView;
  /** This machine: the Knockon release it runs (an agent's is its link's `version`). */
  version?: string;
}

/** What the centre knows of an agent's connection. */
export interface AgentLinkView {
  connected: boolean;
  /** Last sync received, centre time; null before the first. */
  lastSeenAt: number | null;
  /** Agent clock minus centre clock, ms (positive: the agent runs ahead); null before a sync. */
  skewMs: number | null;
  /** Results waiting at the agent to be sent, as of its last sync. */
  buffered: number;
  /** Results the agent dropped from a full buffer (oldest first) since it started. */
  dropped: number;
  /** The agent's Knockon version. */
  version: string | null;
  /** Checks assigned to the agent. */
  checks: number;
}

export interface StorageHealthView {
  saving: boolean;
  /** For people ("history not being saved: disk full"); null while saving. */
  reason: string | null;
  /** Incident, acknowledgement, audit and state writes held in memory until the disk takes them. */
  heldWrites: number;
  /** Results waiting in memory to be written (the oldest go first past the queue's bound). */
  heldResults: number;
}

export interface ObserverHealthView {
  degraded: boolean;
  /** For people: what ran short and how many probes could not run; null when healthy. */
  reason: string | null;
  /** Probes that could not run over the window, by what ran short. */
  notRun: Record<ObserverShortage, number>;
  windowMs: number;
  /** When the current degraded spell began; null when healthy. */
  since: number | null;
}

export type FailoverState =
  'idle' | 'awaiting_approval' | 'running' | 'failed_over' | 'failing_back' | 'failed' | 'cooldown';

export interface FailoverView {
  policyId: string;
  name: string;
  mode: 'automatic' | 'approval' | 'dry_run';
  state: FailoverState;
  /** What it watches (check or component id). */
  watches: string;
  since: number | null;
  lastMessage: string;
  /** Set while an approval is pending: the board asks an engineer to confirm before expiresAt. */
  approval: { requestedAt: number; expiresAt: number; reason: string } | null;
  /** DNS propagation per resolver after a record change. */
  propagation: { resolver: string; answers: string[]; ttl: number | null; converged: boolean }[] | null;
}

/** One downsampled point of a check's latency history. */
export interface SeriesPoint {
  t: number;
  count: number;
  failures: number;
  availability: number;
  min: number | null;
  avg: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export type SeriesRange = '1h' | '6h' | '24h' | '7d' | '30d';

/** Something people should notice now: shown as a native notification on desktops and walls. */
export interface Notice {
  id: string;
  title: string;
  body: string;
  severity: Severity;
  /** The incident to open when the notification is clicked. */
  incidentId: string | null;
}

/** The engine's own health, for `/metrics` (Prometheus) and diagnostics: the observer, not the targets. */
export interface EngineHealth {
  scheduler: {
    inFlight: number;
    maxInFlight: number;
    queued: number;
    /** Counters since the engine started. */
    delayedByLimit: number;
    skippedOverlaps: number;
    droppedByQueueLimit: number;
    /** Probe start lag (start minus due) over the recent window, ms. */
    lagP50Ms: number;
    lagP99Ms: number;
  };
  store: { queued: number; flushed: number; dropped: number; flushFailures: number };
  /** Messages handed to receivers since the engine started, by receiver and outcome. */
  notifications: { receiver: string; type: string; outcome: 'sent' | 'failed'; count: number }[];
  /** One per `remote_write` entry. Absent from older engines. */
  remoteWrite?: RemoteWriteHealth[];
}

/** A Prometheus remote-write queue, for engine health, `/metrics` and the board. */
export interface RemoteWriteHealth {
  name: string;
  /** Samples waiting (at most `capacity`), not counting the batch in flight. */
  queued: number;
  capacity: number;
  /** Counters since the queue was made: samples the receiver accepted... */
  sent: number;
  /** ...dropped, oldest first, because the queue was full... */
  droppedQueueFull: number;
  /** ...and dropped because the receiver refused them (4xx: retrying cannot help). */
  droppedRejected: number;
  /** Requests that failed and were retried (network errors, timeouts, 5xx, 429). */
  failedRequests: number;
  /** A batch is being retried now: the receiver is away or overloaded. */
  retrying: boolean;
  lastError: string | null;
  /** Wall-clock ms of the last accepted request; null before the first. */
  lastSentAt: number | null;
}
