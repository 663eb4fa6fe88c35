/**
 * A result as remote-write samples, with the names and labels `/metrics` uses
 * (src/server/metrics.ts): `probe_success`, `probe_duration_seconds`, `probe_http_status_code`,
 * `probe_http_duration_seconds{phase}`, `probe_dns_lookup_time_seconds`,
 * `probe_ssl_earliest_cert_expiry`, each labelled check, type, region, component, vantage.
 * A result the observer could not get (`probe_error`, or its vantage's own network down) says
 * nothing about the target and becomes no sample, so it never alarms a Prometheus rule.
 *
 * This runs for every result on the engine's thread, so it allocates nothing once a series is
 * known: each (check, vantage) keeps its series' encoded labels in a fixed array.
 */
import type { ProbeResult } from '../../shared/model.ts';
import { PHASES } from '../../shared/probe-metrics.ts';
import type { ResolvedCheck } from '../checks.ts';
import { encodeLabels, type EncodedLabels } from './wire.ts';

/** Every series a check can have, by slot: a fixed order so a series is an array index. */
const SERIES: readonly (readonly [string, string?])[] = [
  ['probe_success'],
  ['probe_duration_seconds'],
  ['probe_http_status_code'],
  ...PHASES.map(([phase]) => ['probe_http_duration_seconds', phase] as const),
  ['probe_dns_lookup_time_seconds'],
  ['probe_ssl_earliest_cert_expiry'],
];
const SUCCESS = 0;
const DURATION = 1;
const STATUS = 2;
const FIRST_PHASE = 3;
const DNS_LOOKUP = FIRST_PHASE + PHASES.length;
const CERT_EXPIRY = DNS_LOOKUP + 1;

/** One (check, vantage)'s series labels, made on first use and kept while its labels stay the same. */
interface SeriesSet {
  check: string;
  vantage: string;
  type: string;
  region: string;
  component: string;
  labels: (EncodedLabels | undefined)[];
}

export type Emit = (labels: EncodedLabels, value: number, timestampMs: number) => void;

export class SampleMaker {
  private readonly series = new Map<string, SeriesSet[]>();
  /** Each distinct label's encoding (wire.ts); started afresh at each config, so old checks' go. */
  private known = new Map<string, Uint8Array>();

  /** Labels of checks no longer configured are forgotten (config applied). */
  retain(checkIds: ReadonlySet<string>): void {
    for (const id of this.series.keys()) if (!checkIds.has(id)) this.series.delete(id);
    this.known = new Map();
  }

  /** Calls `emit` once per sample the result makes, in series order. */
  samples(check: ResolvedCheck, component: string, vantage: string, result: ProbeResult, emit: Emit): void {
    if (result.errorClass === 'probe_error' || result.observerOffline === true) return;
    const set = this.seriesSet(check, component, vantage);
    const at = result.startedAt;
    emit(this.labels(set, SUCCESS), result.errorClass === null ? 1 : 0, at);
    if (result.latencyMs !== null) emit(this.labels(set, DURATION), result.latencyMs / 1000, at);
    if (result.httpStatus !== undefined) emit(this.labels(set, STATUS), result.httpStatus, at);
    const phases = result.phases;
    if (phases) {
      for (let i = 0; i < PHASES.length; i++) emit(this.labels(set, FIRST_PHASE + i), phases[PHASES[i]![1]] / 1000, at);
      emit(this.labels(set, DNS_LOOKUP), phases.dnsMs / 1000, at);
    }
    if (result.dns && result.dns.length > 0) {
      let slowest = 0;
      for (const d of result.dns) slowest = Math.max(slowest, d.latencyMs ?? 0);
      emit(this.labels(set, DNS_LOOKUP), slowest / 1000, at);
    }
    if (result.tls) emit(this.labels(set, CERT_EXPIRY), Math.floor(result.tls.notAfter / 1000), at);
  }

  private seriesSet(check: ResolvedCheck, component: string, vantage: string): SeriesSet {
    let sets = this.series.get(check.id);
    if (!sets) this.series.set(check.id, (sets = []));
    const region = check.region ?? '';
    const index = sets.findIndex((s) => s.vantage === vantage);
    const found = sets[index];
    if (found && found.type === check.type && found.region === region && found.component === component) return found;
    const set: SeriesSet = {
      check: check.id,
      vantage,
      type: check.type,
      region,
      component,
      labels: new Array(SERIES.length),
    };
    if (index >= 0) sets[index] = set;
    else sets.push(set);
    return set;
  }

  private labels(set: SeriesSet, slot: number): EncodedLabels {
    const cached = set.labels[slot];
    if (cached) return cached;
    const [metric, phase] = SERIES[slot]!;
    const labels = encodeLabels(
      {
        __name__: metric,
        check: set.check,
        type: set.type,
        region: set.region,
        component: set.component,
        vantage: set.vantage,
        ...(phase ? { phase } : {}),
      },
      this.known,
    );
    set.labels[slot] = labels;
    return labels;
  }
}
