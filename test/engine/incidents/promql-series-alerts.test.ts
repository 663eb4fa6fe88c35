/**
 * The article's ServerDown rule in Knockon, on a fake clock: a prometheus check running
 * `up == 0` and a `down` rule on it with `for: 1m`, critical, and the article's templated
 * description. Each series the query returns is its own alert (labels kept, a stable id), so
 * two servers down are two alerts, each with its own `for`, each resolving on its own.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seriesId } from '../../../src/engine/probes/prometheus-answer.ts';
import type { PromSeries } from '../../../src/shared/model.ts';
import { Harness } from './harness.ts';

const CONFIG = `checks:
  - { id: servers, type: prometheus, url: "http://127.0.0.1:9090", query: "up == 0" }
components:
  - { id: fleet, name: Fleet, kind: api, checks: [servers] }
alerts:
  - name: ServerDown
    condition: down
    on: checks
    for: 1m
    severity: critical
    annotations: { description: "Server {{ $labels.instance }} has been down for more than 1 minute" }
`;

function down(instance: string): PromSeries {
  const labels = { __name__: 'up', instance, job: 'node' };
  return { id: seriesId(labels), labels, value: 0, failing: true };
}

function answer(h: Harness, ...series: PromSeries[]): void {
  const prometheus = { series, total: series.length };
  if (series.length === 0) h.result('servers', 'up', { prometheus });
  else h.result('servers', 'down', { errorClass: 'promql_match', prometheus });
}

const descriptions = (h: Harness) =>
  h
    .incidents()
    .flatMap((i) => i.events)
    .filter((e) => e.data?.annotations)
    .map((e) => (e.data!.annotations as Record<string, string>).description)
    .sort();

describe('the article ServerDown rule on a prometheus check', () => {
  it('fires one alert per server down after its own for, with the templated description', async () => {
    const h = new Harness(CONFIG);
    answer(h);
    answer(h, down('10.0.0.5:9100'));
    await h.clock.advance(30_000);
    answer(h, down('10.0.0.5:9100'), down('10.0.0.6:9100'));
    await h.clock.advance(30_000);
    answer(h, down('10.0.0.5:9100'), down('10.0.0.6:9100'));
    expect(descriptions(h)).toEqual(['Server 10.0.0.5:9100 has been down for more than 1 minute']);
    await h.clock.advance(30_000);
    answer(h, down('10.0.0.5:9100'), down('10.0.0.6:9100'));
    expect(descriptions(h)).toEqual([
      'Server 10.0.0.5:9100 has been down for more than 1 minute',
      'Server 10.0.0.6:9100 has been down for more than 1 minute',
    ]);
    const [incident] = h.open();
    expect(incident).toMatchObject({ severity: 'critical', rootCause: { id: 'fleet' } });
    expect(incident!.events.filter((e) => e.kind === 'pending').map((e) => e.message)).toEqual([
      'ServerDown pending: servers: 10.0.0.5:9100 is down',
      'ServerDown pending: servers: 10.0.0.6:9100 is down',
    ]);
  });

  it('resolves each server alert when its series leaves the answer, and the incident with the last', async () => {
    const h = new Harness(CONFIG);
    answer(h, down('10.0.0.5:9100'), down('10.0.0.6:9100'));
    await h.clock.advance(60_000);
    expect(h.open()).toHaveLength(1);
    answer(h, down('10.0.0.6:9100'));
    expect(h.open()).toHaveLength(1);
    answer(h);
    expect(h.open()).toEqual([]);
    expect(h.incidents()[0]!.events.find((e) => e.kind === 'resolved')!.message).toContain('ServerDown resolved');
  });

  it('clears a pending server alert whose series goes before its for has run', async () => {
    const h = new Harness(CONFIG);
    answer(h, down('10.0.0.5:9100'));
    await h.clock.advance(59_000);
    answer(h);
    await h.clock.advance(60_000);
    expect(h.incidents()).toEqual([]);
  });
});

describe('the shipped example with the article rules', () => {
  it('runs ServerDown and HighLatency as the article writes them', async () => {
    const text = readFileSync(new URL('../../../resources/examples/hk-sg-prometheus.yaml', import.meta.url), 'utf8');
    const h = new Harness(text);
    h.result('servers-up', 'down', {
      errorClass: 'promql_match',
      prometheus: { series: [down('10.0.0.5:9100')], total: 1 },
    });
    await h.clock.advance(60_000);
    expect(descriptions(h)).toEqual(['Server 10.0.0.5:9100 has been down for more than 1 minute']);
    expect(h.open()[0]).toMatchObject({ severity: 'critical', rootCause: { id: 'fleet' } });

    const slow = { __name__: '', instance: '10.0.1.7:8080', job: 'hk-api', handler: '/quote' };
    h.result('api-latency', 'down', {
      errorClass: 'promql_match',
      prometheus: { series: [{ id: seriesId(slow), labels: slow, value: 0.8, failing: true }], total: 1 },
    });
    await h.clock.advance(299_000);
    expect(h.open().filter((i) => i.rootCause.id === 'hk-api')).toEqual([]);
    await h.clock.advance(1_000);
    const latency = h.open().find((i) => i.rootCause.id === 'hk-api');
    expect(latency).toMatchObject({ severity: 'warning' });
    expect(descriptions(h)).toContain('High request latency on 10.0.1.7:8080');
  });
});
