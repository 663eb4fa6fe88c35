/**
 * `GET /metrics`: the board in Prometheus's text exposition format (exposition.ts).
 *
 * Probe metrics use blackbox_exporter's names, so existing dashboards and rules keep working:
 * `probe_success`, `probe_duration_seconds`, `probe_http_status_code`,
 * `probe_http_duration_seconds{phase}`, `probe_ssl_earliest_cert_expiry`,
 * `probe_dns_lookup_time_seconds`. Where blackbox_exporter has one target per scrape, Knockon
 * has every check in one scrape: each series carries `check`, `type`, `region`, `component` (the
 * first component listing the check) and `vantage` labels. Knockon's own metrics are prefixed
 * `knockon_`. The differences from blackbox_exporter are in the README (Prometheus).
 *
 * Everything comes from the board the host already holds (no extra work for the engine) and
 * from `engine.health`; a scrape never probes.
 */
import type { BoardSnapshot, CheckView, EngineHealth } from '../shared/model.ts';
import { PHASES } from '../shared/probe-metrics.ts';
import { CONTENT_TYPE, Family, labelText, withLabel, Writer, type MetricType } from './exposition.ts';

export interface MetricsInput {
  board: BoardSnapshot;
  /** Null when the engine could not answer (restarting): the engine's own gauges are left out. */
  health: EngineHealth | null;
  workerRestarts: number;
}

export class MetricsExporter {
  private readonly families: Family[] = [];
  /** Each check's label text by vantage, kept while its labels stay the same. */
  private readonly labelCache = new Map<string, { key: string; text: string }>();
  private readonly family = (name: string, type: MetricType, help: string) => {
    const family = new Family(name, type, help);
    this.families.push(family);
    return family;
  };

  private readonly success = this.family('probe_success', 'gauge', 'Whether the last probe succeeded');
  private readonly duration = this.family('probe_duration_seconds', 'gauge', 'How long the last probe took');
  private readonly httpStatus = this.family('probe_http_status_code', 'gauge', 'HTTP status of the last probe');
  private readonly phases = this.family(
    'probe_http_duration_seconds',
    'gauge',
    'Time per phase of the last HTTP probe',
  );
  private readonly certExpiry = this.family(
    'probe_ssl_earliest_cert_expiry',
    'gauge',
    'Earliest notAfter of the presented chain, seconds since the epoch',
  );
  private readonly dnsLookup = this.family(
    'probe_dns_lookup_time_seconds',
    'gauge',
    "Time to resolve the target's name (HTTP), or the slowest resolver's answer (DNS checks)",
  );
  private readonly lastProbe = this.family(
    'knockon_check_last_probe_timestamp_seconds',
    'gauge',
    'When the check was last probed',
  );
  private readonly checkStatus = this.family('knockon_check_status', 'gauge', "1 for the check's decided status");
  private readonly pathProblem = this.family(
    'knockon_check_path_problem',
    'gauge',
    'Down at some vantages and up by the quorum (1), for checks probed from several vantages',
  );
  private readonly componentStatus = this.family('knockon_component_status', 'gauge', "1 for the component's status");
  private readonly rootCause = this.family(
    'knockon_component_root_cause',
    'gauge',
    '1 when the component is a root cause',
  );
  private readonly incidents = this.family('knockon_incidents_open', 'gauge', 'Open incidents');
  private readonly failover = this.family('knockon_failover_state', 'gauge', "1 for the failover policy's state");
  private readonly vantageOnline = this.family('knockon_vantage_online', 'gauge', 'Whether the vantage may vote (1)');
  private readonly agentsConnected = this.family('knockon_agents_connected', 'gauge', 'Probe agents whose link is up');
  private readonly notifications = this.family(
    'knockon_notifications_total',
    'counter',
    'Messages handed to receivers since the engine started, by outcome',
  );
  private readonly lag = this.family('knockon_probe_start_lag_seconds', 'gauge', 'Probe start lag (start minus due)');
  private readonly inFlight = this.family('knockon_probes_in_flight', 'gauge', 'Probes running now');
  private readonly queued = this.family(
    'knockon_probes_queued',
    'gauge',
    'Probes due and waiting for the in-flight limit',
  );
  private readonly delayed = this.family(
    'knockon_probes_delayed_by_limit_total',
    'counter',
    'Probes started late because of the in-flight limit',
  );
  private readonly skipped = this.family(
    'knockon_probes_skipped_overlaps_total',
    'counter',
    'Due probes skipped because the previous one was still running',
  );
  private readonly dropped = this.family(
    'knockon_probes_dropped_total',
    'counter',
    'Due probes dropped: the queue was full',
  );
  private readonly storeQueue = this.family('knockon_store_queue_length', 'gauge', 'Results waiting to be written');
  private readonly storeDropped = this.family(
    'knockon_store_dropped_total',
    'counter',
    'Results dropped because the store could not keep up',
  );
  private readonly rwSent = this.family(
    'knockon_remote_write_samples_sent_total',
    'counter',
    'Samples the remote-write receiver accepted',
  );
  private readonly rwDropped = this.family(
    'knockon_remote_write_samples_dropped_total',
    'counter',
    'Samples dropped: queue_full (the oldest, while the receiver was away) or rejected (4xx)',
  );
  private readonly rwQueued = this.family(
    'knockon_remote_write_queue_samples',
    'gauge',
    'Samples waiting for the remote-write receiver',
  );
  private readonly rwFailed = this.family(
    'knockon_remote_write_failed_requests_total',
    'counter',
    'Remote-write requests that failed and were retried',
  );
  private readonly restarts = this.family(
    'knockon_worker_restarts_total',
    'counter',
    'Engine worker restarts since the board server started',
  );

  readonly contentType = CONTENT_TYPE;
  private lastSize = 64 * 1024;

  /** The exposition text, as UTF-8 bytes. */
  render(input: MetricsInput): Buffer {
    for (const family of this.families) family.reset();
    const { board, health } = input;
    const componentOf = new Map<string, string>();
    for (const c of board.components) for (const id of c.checks) if (!componentOf.has(id)) componentOf.set(id, c.id);
    const localVantage = board.vantage.id;
    const seen = new Set<string>();
    for (const check of board.checks) {
      seen.add(check.id);
      this.check(check, componentOf.get(check.id) ?? '', localVantage);
    }
    for (const id of this.labelCache.keys())
      if (!seen.has(id.slice(0, id.indexOf('\u0000')))) this.labelCache.delete(id);
    for (const c of board.components) {
      const labels = labelText({ component: c.id, kind: c.kind, region: c.region ?? '' });
      this.componentStatus.add(withLabel(labels, 'status', c.status), 1);
      if (c.role === 'root_cause') this.rootCause.add(labelText({ component: c.id, region: c.region ?? '' }), 1);
    }
    for (const severity of ['critical', 'warning', 'info'] as const) {
      const open = board.incidents.filter((i) => i.state === 'open' && i.severity === severity).length;
      this.incidents.add(labelText({ severity }), open);
    }
    for (const f of board.failovers) this.failover.add(labelText({ policy: f.policyId, state: f.state }), 1);
    const vantages = board.vantages ?? [board.vantage];
    for (const v of vantages) this.vantageOnline.add(labelText({ vantage: v.id }), v.online ? 1 : 0);
    this.agentsConnected.add('', vantages.filter((v) => v.link?.connected === true).length);
    this.restarts.add('', input.workerRestarts);
    if (health) this.engine(health);
    const out = new Writer(this.lastSize + 4_096);
    for (const family of this.families) family.writeTo(out);
    const bytes = out.result();
    this.lastSize = bytes.length;
    return bytes;
  }

  /** The check's label text for a vantage ('' for none), made once while its labels stay the same. */
  private labels(check: CheckView, component: string, vantage: string): string {
    const cacheKey = `${check.id}\u0000${vantage}`;
    const key = `${check.type}\u0000${check.region ?? ''}\u0000${component}`;
    const cached = this.labelCache.get(cacheKey);
    if (cached?.key === key) return cached.text;
    const text = labelText({ check: check.id, type: check.type, region: check.region ?? '', component, vantage });
    this.labelCache.set(cacheKey, { key, text });
    return text;
  }

  private check(check: CheckView, component: string, localVantage: string): void {
    const views = check.vantages ?? [
      {
        vantage: localVantage,
        lastProbeAt: check.lastProbeAt,
        latencyMs: check.latencyMs,
        errorClass: check.errorClass,
      },
    ];
    for (const v of views) {
      if (v.lastProbeAt === null) continue;
      const labels = this.labels(check, component, v.vantage);
      this.success.add(labels, v.errorClass === null ? 1 : 0);
      if (v.latencyMs !== null) this.duration.add(labels, v.latencyMs / 1000);
      this.lastProbe.add(labels, v.lastProbeAt / 1000);
    }
    // The decided status, and the last probe's details (from whichever vantage probed last).
    const labels = this.labels(check, component, check.vantages ? '' : localVantage);
    this.checkStatus.add(withLabel(labels, 'status', check.status), 1);
    if (check.quorum) this.pathProblem.add(labels, check.quorum.pathProblem ? 1 : 0);
    const details = check.details;
    if (!details) return;
    if (details.httpStatus !== undefined) this.httpStatus.add(labels, details.httpStatus);
    if (details.phases) {
      for (const [phase, key] of PHASES) this.phases.add(withLabel(labels, 'phase', phase), details.phases[key] / 1000);
      this.dnsLookup.add(labels, details.phases.dnsMs / 1000);
    }
    if (details.tls) this.certExpiry.add(labels, Math.floor(details.tls.notAfter / 1000));
    if (details.dns && details.dns.length > 0) {
      this.dnsLookup.add(labels, Math.max(...details.dns.map((d) => d.latencyMs ?? 0)) / 1000);
    }
  }

  private engine(health: EngineHealth): void {
    const s = health.scheduler;
    this.lag.add(labelText({ quantile: '0.5' }), s.lagP50Ms / 1000);
    this.lag.add(labelText({ quantile: '0.99' }), s.lagP99Ms / 1000);
    this.inFlight.add('', s.inFlight);
    this.queued.add('', s.queued);
    this.delayed.add('', s.delayedByLimit);
    this.skipped.add('', s.skippedOverlaps);
    this.dropped.add('', s.droppedByQueueLimit);
    this.storeQueue.add('', health.store.queued);
    this.storeDropped.add('', health.store.dropped);
    for (const q of health.remoteWrite ?? []) {
      const labels = labelText({ remote: q.name });
      this.rwSent.add(labels, q.sent);
      this.rwDropped.add(withLabel(labels, 'reason', 'queue_full'), q.droppedQueueFull);
      this.rwDropped.add(withLabel(labels, 'reason', 'rejected'), q.droppedRejected);
      this.rwQueued.add(labels, q.queued);
      this.rwFailed.add(labels, q.failedRequests);
    }
    for (const n of health.notifications) {
      this.notifications.add(labelText({ receiver: n.receiver, type: n.type, outcome: n.outcome }), n.count);
    }
  }
}
