/**
 * A result as remote-write samples, with the names and labels `/metrics` uses
 * (src/server/metrics.ts): `probe_success`, `probe_duration_seconds`, `probe_http_status_code`,
 * `probe_http_duration_seconds{phase}`, `probe_dns_lookup_time_seconds`,
 * `probe_ssl_earliest_cert_expiry`, each labelled check, type, region, component, vantage.
 * A result the observer could not get (`probe_error`, or its vantage's own network down) says
 * nothing about the target and becomes no sample, so it never alarms a Prometheus rule.
 */
import type { ProbeResult } from '../../shared/model.ts';
import { PHASES } from '../../shared/probe-metrics.ts';
import type { ResolvedCheck } from '../checks.ts';
import { encodeLabels, type EncodedLabels, type Sample } from './wire.ts';

type PhaseName = (typeof PHASES)[number][0];

/** One (check, vantage)'s series, their labels encoded once and kept while they stay the same. */
interface SeriesSet {
  key: string;
  base: Record<string, string>;
  byMetric: Map<string, EncodedLabels>;
}

export class SampleMaker {
  private readonly series = new Map<string, SeriesSet>();

  /** Labels of series no longer configured are forgotten (config applied). */
  retain(checkIds: ReadonlySet<string>): void {
    for (const key of this.series.keys())
      if (!checkIds.has(key.slice(0, key.indexOf('\u0000')))) this.series.delete(key);
  }

  samples(check: ResolvedCheck, component: string, vantage: string, result: ProbeResult): Sample[] {
    if (result.errorClass === 'probe_error' || result.observerOffline === true) return [];
    const set = this.seriesSet(check, component, vantage);
    const at = result.startedAt;
    const out: Sample[] = [];
    const add = (metric: string, value: number, phase?: PhaseName) =>
      out.push({ labels: this.labels(set, metric, phase), value, timestampMs: at });
    add('probe_success', result.errorClass === null ? 1 : 0);
    if (result.latencyMs !== null) add('probe_duration_seconds', result.latencyMs / 1000);
    if (result.httpStatus !== undefined) add('probe_http_status_code', result.httpStatus);
    if (result.phases) {
      for (const [phase, key] of PHASES) add('probe_http_duration_seconds', result.phases[key] / 1000, phase);
      add('probe_dns_lookup_time_seconds', result.phases.dnsMs / 1000);
    }
    if (result.dns && result.dns.length > 0) {
      add('probe_dns_lookup_time_seconds', Math.max(...result.dns.map((d) => d.latencyMs ?? 0)) / 1000);
    }
    if (result.tls) add('probe_ssl_earliest_cert_expiry', Math.floor(result.tls.notAfter / 1000));
    return out;
  }

  private seriesSet(check: ResolvedCheck, component: string, vantage: string): SeriesSet {
    const id = `${check.id}\u0000${vantage}`;
    const key = `${check.type}\u0000${check.region ?? ''}\u0000${component}`;
    let set = this.series.get(id);
    if (set?.key !== key) {
      set = {
        key,
        base: { check: check.id, type: check.type, region: check.region ?? '', component, vantage },
        byMetric: new Map(),
      };
      this.series.set(id, set);
    }
    return set;
  }

  private labels(set: SeriesSet, metric: string, phase?: PhaseName): EncodedLabels {
    const name = phase ? `${metric}\u0000${phase}` : metric;
    let labels = set.byMetric.get(name);
    if (!labels) {
      labels = encodeLabels({ ...set.base, __name__: metric, ...(phase ? { phase } : {}) });
      set.byMetric.set(name, labels);
    }
    return labels;
  }
}
