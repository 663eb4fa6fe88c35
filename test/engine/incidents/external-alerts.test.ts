/**
 * Alerts from Alertmanager in the knock-on analysis, on a fake clock: they fire at once (the
 * source applied its own `for`), open an incident on a component that is the root cause, fold
 * into the root cause's incident when their component is impacted, and end when the source says
 * resolved or when their endsAt passes without a word.
 */
import { describe, expect, it } from 'vitest';
import type { ExternalAlert } from '../../../src/engine/alerting/external.ts';
import { Harness, TOPOLOGY } from './harness.ts';

const DOWN_RULE = `alerts:
  - { name: LbDown, condition: down, ids: [lb], severity: warning }
`;

function external(fields: Partial<ExternalAlert> = {}): ExternalAlert {
  return {
    fingerprint: 'd2aeefc389ca7746',
    name: 'HighLatency',
    component: 'api',
    severity: 'critical',
    labels: { alertname: 'HighLatency', service: 'api', instance: '10.0.0.5:9100' },
    annotations: { description: 'Server 10.0.0.5:9100 is slow' },
    firing: true,
    endsAt: null,
    ...fields,
  };
}

function allUp(h: Harness) {
  for (const id of ['lb', 'api', 'auth', 'quotes', 'gw']) h.result(id, 'up');
}

describe('alerts from Alertmanager in the knock-on analysis', () => {
  it('open an incident of their own on a component that is not impacted, and resolve when told', () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    h.module.receiveExternal([external()]);
    const [incident] = h.open();
    expect(incident).toMatchObject({ rootCause: { id: 'api' }, severity: 'critical', state: 'open' });
    const firing = incident!.events.find((e) => e.kind === 'firing')!;
    expect(firing.message).toContain('Server 10.0.0.5:9100 is slow');
    expect(firing.data).toMatchObject({
      alert: 'HighLatency',
      annotations: { description: 'Server 10.0.0.5:9100 is slow' },
    });

    h.module.receiveExternal([external({ firing: false })]);
    expect(h.open()).toEqual([]);
    expect(h.incidents()[0]!.events.find((e) => e.kind === 'resolved')!.message).toContain('HighLatency resolved');
  });

  it('fold into the root cause incident when their component is impacted, with a raised severity', () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    h.result('lb', 'down');
    h.result('api', 'down');
    expect(h.open()).toHaveLength(1);
    h.module.receiveExternal([external()]);
    const [incident] = h.open();
    expect(h.open()).toHaveLength(1);
    expect(incident!.rootCause.id).toBe('lb');
    expect(incident!.severity).toBe('critical');
    expect(incident!.events.some((e) => e.kind === 'impact_changed' && e.data?.alert === 'HighLatency')).toBe(true);
  });

  it('end when their endsAt passes without a word from the source', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    const endsAt = h.clock.now() + 300_000;
    h.module.receiveExternal([external({ endsAt })]);
    expect(h.open()).toHaveLength(1);
    await h.clock.advance(299_999);
    expect(h.open()).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.open()).toEqual([]);
  });

  it('on a component the config does not have, are not kept as alerts', () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    h.module.receiveExternal([external({ component: 'nowhere' })]);
    expect(h.incidents()).toEqual([]);
  });
});
