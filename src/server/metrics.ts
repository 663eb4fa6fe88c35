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
 * from `engine.health`; a scrape never probes. What a result becomes, and which results are left
 * out, is src/shared/probe-metrics.ts, shared with remote write.
 */
import type { BoardSnapshot, CheckView, ComponentView, EngineHealth, Status } from '../shared/model.ts';
import {
  detailSamples,
  firstComponentOf,
  PROBE_SERIES,
  saysNothing,
  verdictSamples,
  type SlotEmit,
} from '../shared/probe-metrics.ts';
import { CONTENT_TYPE, Exposition, Family, labelText, withLabel, type MetricType, type Series } from './exposition.ts';

export interface MetricsInput {
  board: BoardSnapshot;
  /** Null when the engine could not answer (restarting): the engine's own gauges are left out. */
  health: EngineHealth | null;
  workerRestarts: number;
}

/** One (check, vantage)'s series, made on first use; vantage '' is the decided line of a multi-vantage check. */
interface ViewSeries {
  vantage: string;
  labels: string;
  probe: (Series | undefined)[];
  lastProbe?: Series;
  pathProblem?: Series;
  status: Partial<Record<Status, Series>>;
}

/** A check's series, kept while its labels (type, region, component) stay the same. */
interface CheckSeries {
  type: string;
  region: string | null;
  component: string;
  views: ViewSeries[];
  scrape: number;
}

/** A component's series, kept while its labels stay the same. */
interface ComponentSeries {
  kind: string;
  region: string | null;
  status: Partial<Record<Status, Series>>;
  rootCause?: Series;
  scrape: number;
}

export class MetricsExporter {
  private readonly families: Family[] = [];
  private readonly checkSeries = new Map<string, CheckSeries>();
  private readonly componentSeries = new Map<string, ComponentSeries>();
  private components: BoardSnapshot['components'] | null = null;
  private componentOf = new Map<string, string>();
  private scrape = 0;
  /** The last scrape's text: served again as it is while no sample changed. */
  private last: Exposition | null = null;
  private readonly family = (name: string, type: MetricType, help: string) => {
    const family = new Family(name, type, help);
    this.families.push(family);
    return family;
  };

  /** The probe families, by slot of PROBE_SERIES (series of one name share a family). */
  private readonly probe: Family[] = PROBE_SERIES.map((s, i, all) =>
    i > 0 && all[i - 1]!.name === s.name ? this.families.at(-1)! : this.family(s.name, 'gauge', s.help),
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

  /**
   * The exposition text, as UTF-8 chunks: retain it while sending (see Exposition), and it stays
   * as it is while later scrapes run.
   */
  render(input: MetricsInput): Exposition {
    const { board, health } = input;
    const scrape = ++this.scrape;
    if (board.components !== this.components) {
      this.components = board.components;
      this.componentOf = firstComponentOf(board.components);
    }
    const localVantage = board.vantage.id;
    // Agents whose own network is down: what they report says nothing about the targets.
    const offline = new Set<string>();
    for (const v of board.vantages ?? []) if (!v.online && v.id !== localVantage) offline.add(v.id);
    // Check instances are Prometheus's own series: not sent back to it as checks.
    for (const check of board.checks)
      if (check.instanceOf === undefined) this.check(check, localVantage, offline, scrape);
    for (const [id, entry] of this.checkSeries) if (entry.scrape !== scrape) this.checkSeries.delete(id);
    for (const c of board.components) this.component(c, scrape);
    for (const [id, entry] of this.componentSeries) if (entry.scrape !== scrape) this.componentSeries.delete(id);
    for (const severity of ['critical', 'warning', 'info'] as const) {
      let open = 0;
      for (const i of board.incidents) if (i.state === 'open' && i.severity === severity) open++;
      this.incidents.add(labelText({ severity }), open);
    }
    for (const f of board.failovers) this.failover.add(labelText({ policy: f.policyId, state: f.state }), 1);
    const vantages = board.vantages ?? [board.vantage];
    for (const v of vantages) this.vantageOnline.add(labelText({ vantage: v.id }), v.online ? 1 : 0);
    this.agentsConnected.add('', vantages.filter((v) => v.link?.connected === true).length);
    this.restarts.add('', input.workerRestarts);
    if (health) this.engine(health);
    const texts = this.families.map((family) => family.end());
    if (!this.last || texts.some((text, i) => text.bytes !== this.last!.chunks[i])) this.last = new Exposition(texts);
    return this.last;
  }

  /** The check's series for a vantage ('' for none), made once while its labels stay the same. */
  private view(check: CheckView, vantage: string, scrape: number): ViewSeries {
    const component = this.componentOf.get(check.id) ?? '';
    let entry = this.checkSeries.get(check.id);
    if (!entry || entry.type !== check.type || entry.region !== check.region || entry.component !== component) {
      entry = { type: check.type, region: check.region, component, views: [], scrape };
      this.checkSeries.set(check.id, entry);
    }
    entry.scrape = scrape;
    for (const v of entry.views) if (v.vantage === vantage) return v;
    const labels = labelText({ check: check.id, type: check.type, region: check.region ?? '', component, vantage });
    const made: ViewSeries = { vantage, labels, probe: new Array(PROBE_SERIES.length), status: {} };
    entry.views.push(made);
    return made;
  }

  /** The view whose probe series `emit` writes (made once: no closure per check). */
  private current: ViewSeries | null = null;
  private readonly emit: SlotEmit = (slot, value) => {
    const view = this.current!;
    const family = this.probe[slot]!;
    let series = view.probe[slot];
    if (!series) {
      const phase = PROBE_SERIES[slot]!.phase;
      view.probe[slot] = series = family.series(phase ? withLabel(view.labels, 'phase', phase) : view.labels);
    }
    family.push(series, value);
  };

  private check(check: CheckView, localVantage: string, offline: ReadonlySet<string>, scrape: number): void {
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
      const series = this.view(check, v.vantage, scrape);
      this.lastProbe.push((series.lastProbe ??= this.lastProbe.series(series.labels)), v.lastProbeAt / 1000);
      // The same results remote write leaves out (shared/probe-metrics.ts).
      if (saysNothing({ errorClass: v.errorClass, observerOffline: offline.has(v.vantage) })) continue;
      this.current = series;
      verdictSamples(v, this.emit);
    }
    // The decided status, and the last probe's details (from whichever vantage probed last).
    const series = this.view(check, check.vantages ? '' : localVantage, scrape);
    const status = (series.status[check.status] ??= this.checkStatus.series(
      withLabel(series.labels, 'status', check.status),
    ));
    this.checkStatus.push(status, 1);
    if (check.quorum) {
      this.pathProblem.push(
        (series.pathProblem ??= this.pathProblem.series(series.labels)),
        check.quorum.pathProblem ? 1 : 0,
      );
    }
    if (!check.details || saysNothing(check)) return;
    this.current = series;
    detailSamples(check.details, this.emit);
  }

  private component(c: ComponentView, scrape: number): void {
    let entry = this.componentSeries.get(c.id);
    if (!entry || entry.kind !== c.kind || entry.region !== c.region) {
      entry = { kind: c.kind, region: c.region, status: {}, scrape };
      this.componentSeries.set(c.id, entry);
    }
    entry.scrape = scrape;
    const status = (entry.status[c.status] ??= this.componentStatus.series(
      labelText({ component: c.id, kind: c.kind, region: c.region ?? '', status: c.status }),
    ));
    this.componentStatus.push(status, 1);
    if (c.role === 'root_cause') {
      this.rootCause.push(
        (entry.rootCause ??= this.rootCause.series(labelText({ component: c.id, region: c.region ?? '' }))),
        1,
      );
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
