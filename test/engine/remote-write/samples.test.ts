import { describe, expect, it } from 'vitest';
import type { ResolvedCheck } from '../../../src/engine/checks.ts';
import { SampleMaker } from '../../../src/engine/remote-write/samples.ts';
import type { EncodedLabels } from '../../../src/engine/remote-write/wire.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';

const check = { id: 'hk-dns', type: 'dns', region: 'hk' } as ResolvedCheck;
/** The samples a result makes, collected. */
function samples(maker: SampleMaker, component: string, vantage: string, r: ProbeResult) {
  const out: { labels: EncodedLabels; value: number; timestampMs: number }[] = [];
  maker.samples(check, component, vantage, r, (labels, value, timestampMs) => out.push({ labels, value, timestampMs }));
  return out;
}

const result = (extra: Partial<ProbeResult>): ProbeResult => ({
  checkId: 'hk-dns',
  startedAt: 1_700_000_000_000,
  ok: true,
  latencyMs: 40,
  errorClass: null,
  message: 'ok',
  ...extra,
});

describe('remote write samples', () => {
  it('turns a DNS result into success, duration and the slowest resolver, one labels object per series', () => {
    const maker = new SampleMaker();
    const dns = [
      { resolver: 'a', latencyMs: 12 },
      { resolver: 'b', latencyMs: 30 },
    ] as ProbeResult['dns'];
    const first = samples(maker, 'hk-zone', 'sg-agent', result({ dns }));
    expect(first.map((s) => [s.value, s.timestampMs])).toEqual([
      [1, 1_700_000_000_000],
      [0.04, 1_700_000_000_000],
      [0.03, 1_700_000_000_000],
    ]);
    const label = first[0]!.labels.text;
    expect(label).toContain('probe_success');
    expect(label).toContain('sg-agent');
    // The next result of the same series reuses its encoded labels (made once per series).
    expect(samples(maker, 'hk-zone', 'sg-agent', result({}))[0]!.labels).toBe(first[0]!.labels);
    expect(samples(maker, 'other', 'sg-agent', result({}))[0]!.labels).not.toBe(first[0]!.labels);
  });

  it('makes nothing of a result the observer could not get: it must not alarm a Prometheus rule', () => {
    const maker = new SampleMaker();
    expect(samples(maker, '', 'local', result({ ok: false, errorClass: 'probe_error', latencyMs: null }))).toEqual([]);
    // A query Prometheus refuses is the check's config, not the target: no probe_success 0 either.
    expect(samples(maker, '', 'local', result({ ok: false, errorClass: 'config_error', latencyMs: 3 }))).toEqual([]);
    expect(
      samples(maker, '', 'local', result({ ok: false, errorClass: 'read_timeout', observerOffline: true })),
    ).toEqual([]);
    expect(samples(maker, '', 'local', result({ ok: false, errorClass: 'read_timeout' }))[0]!.value).toBe(0);
  });
});
