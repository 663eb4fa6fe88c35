/**
 * A result as remote-write samples, with the series `/metrics` has (src/shared/probe-metrics.ts:
 * one mapping for both), each labelled check, type, region, component, vantage. A result that
 * says nothing about its target (`saysNothing`: the observer's own fault, or its vantage's
 * network down) becomes no sample, so it never alarms a Prometheus rule.
 *
 * This runs for every result on the engine's thread, so it allocates nothing once a series is
 * known: each (check, vantage) keeps its series' encoded labels in a fixed array.
 */
import type { ProbeResult } from '../../shared/model.ts';
import { detailSamples, PROBE_SERIES, saysNothing, verdictSamples, type SlotEmit } from '../../shared/probe-metrics.ts';
import type { ResolvedCheck } from '../checks.ts';
import { encodeLabels, type EncodedLabels } from './wire.ts';

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
  private known = new Map<string, string>();
  /** The result being turned into samples, read by `slotEmit` (made once: nothing per result). */
  private set: SeriesSet | null = null;
  private at = 0;
  private emit: Emit | null = null;
  private readonly slotEmit: SlotEmit = (slot, value) => this.emit!(this.labels(this.set!, slot), value, this.at);

  /** Labels of checks no longer configured are forgotten (config applied). */
  retain(checkIds: ReadonlySet<string>): void {
    for (const id of this.series.keys()) if (!checkIds.has(id)) this.series.delete(id);
    this.known = new Map();
  }

  /** Calls `emit` once per sample the result makes, in series order. */
  samples(check: ResolvedCheck, component: string, vantage: string, result: ProbeResult, emit: Emit): void {
    if (saysNothing(result)) return;
    this.set = this.seriesSet(check, component, vantage);
    this.at = result.startedAt;
    this.emit = emit;
    verdictSamples(result, this.slotEmit);
    detailSamples(result, this.slotEmit);
  }

  private seriesSet(check: ResolvedCheck, component: string, vantage: string): SeriesSet {
    let sets = this.series.get(check.id);
    if (!sets) this.series.set(check.id, (sets = []));
    const region = check.region ?? '';
    let index = 0;
    while (index < sets.length && sets[index]!.vantage !== vantage) index++;
    const found = sets[index];
    if (found && found.type === check.type && found.region === region && found.component === component) return found;
    const set: SeriesSet = {
      check: check.id,
      vantage,
      type: check.type,
      region,
      component,
      labels: new Array(PROBE_SERIES.length),
    };
    sets[index] = set;
    return set;
  }

  private labels(set: SeriesSet, slot: number): EncodedLabels {
    const cached = set.labels[slot];
    if (cached) return cached;
    const { name, phase } = PROBE_SERIES[slot]!;
    const labels = encodeLabels(
      {
        __name__: name,
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
