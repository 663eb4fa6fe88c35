import { describe, expect, it } from 'vitest';
import { MemoryIncidentRepository } from '../../../src/engine/incidents/repository.ts';
import type { IncidentView } from '../../../src/shared/model.ts';
import { Harness, TOPOLOGY } from './harness.ts';
import { slackMessage, webhookMessage } from '../../../src/engine/notify/messages.ts';
import { ADMIN, OPERATOR } from '../../support/actors.ts';

const MINUTE = 60_000;
const DOWN_RULE = `alerts:
  - { name: ServerDown, condition: down, for: 1m, severity: critical, annotations: { summary: '{{ $labels.name }} is down' } }
`;

function allUp(h: Harness, ids = ['lb', 'api', 'auth', 'quotes', 'gw']) {
  for (const id of ids) h.result(id, 'up');
}

describe('knock-on analysis: one incident per root cause', () => {
  it('opens one incident for the load balancer and folds the alerts of everything it impacts into it', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    const failedAt = h.clock.now();
    h.result('lb', 'down');
    await h.clock.advance(1_000);
    h.result('api', 'down');
    h.result('auth', 'down');
    h.result('quotes', 'down');
    const board = h.board();
    expect(board.components.find((c) => c.id === 'lb')).toMatchObject({ role: 'root_cause', status: 'down' });
    expect(board.components.find((c) => c.id === 'quotes')).toMatchObject({ role: 'impacted', impactedBy: ['lb'] });

    await h.clock.advance(MINUTE - 1_001);
    expect(h.incidents()).toEqual([]);
    await h.clock.advance(1);
    const [incident] = h.open();
    expect(incident).toMatchObject({
      title: 'HK LB is down',
      severity: 'critical',
      rootCause: { kind: 'component', id: 'lb', name: 'HK LB' },
      openedAt: failedAt + MINUTE,
      detectedAt: failedAt,
      mttdMs: MINUTE,
    });
    expect(incident!.impacted).toEqual([
      { kind: 'component', id: 'api', name: 'HK API', region: 'hk' },
      { kind: 'component', id: 'auth', name: 'HK auth', region: 'hk' },
      { kind: 'component', id: 'quotes', name: 'Tokyo quotes', region: 'tyo' },
    ]);

    await h.clock.advance(1_000);
    const folded = h.open();
    expect(folded).toHaveLength(1);
    expect(folded[0]!.events.map((e) => e.kind)).toEqual([
      'detected',
      'pending',
      'pending',
      'pending',
      'pending',
      'firing',
      'impact_changed',
      'impact_changed',
      'impact_changed',
    ]);
  });

  it("puts the rule's rendered description into the receivers' messages, not only the timeline", async () => {
    const rule = `alerts:
  - name: ServerDown
    condition: down
    for: 1m
    severity: critical
    annotations: { description: '{{ $labels.name }} in {{ $labels.region }} stopped answering ({{ $labels.alertname }})' }
`;
    const h = new Harness(TOPOLOGY + rule);
    allUp(h);
    h.result('lb', 'down');
    await h.clock.advance(MINUTE);
    const [incident] = h.open();
    const description = 'HK LB in hk stopped answering (ServerDown)';
    expect(incident!.events.find((e) => e.kind === 'firing')?.data).toMatchObject({ annotations: { description } });
    expect(slackMessage(incident!, 'firing').text.endsWith(description)).toBe(true);
    expect(webhookMessage(incident!, 'firing')).toMatchObject({
      alerts: [{ alert: 'ServerDown', subject: 'lb', annotations: { description } }],
    });
  });

  it('resolves when the root cause and everything folded into it recover, with MTTR', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    const failedAt = h.clock.now();
    h.result('lb', 'down');
    h.result('api', 'down');
    await h.clock.advance(MINUTE);
    expect(h.open()).toHaveLength(1);
    h.result('lb', 'up');
    const partly = h.open()[0]!;
    // The API's alert is still firing: the incident stays open, its root cause recovered.
    expect(partly.events.at(-1)).toMatchObject({ kind: 'recovered' });
    await h.clock.advance(5_000);
    h.result('api', 'up');
    const [resolved] = h.incidents();
    expect(resolved).toMatchObject({
      state: 'resolved',
      resolvedAt: failedAt + MINUTE + 5_000,
      mttrMs: MINUTE + 5_000,
    });
    expect(resolved!.events.map((e) => e.kind)).toEqual([
      'detected',
      'pending',
      'pending',
      'firing',
      'impact_changed',
      'recovered',
      'resolved',
    ]);
  });
});

describe('knock-on analysis: topology changes, held alerts, failover events, restarts', () => {
  it('folds an incident opened for a component into the one of its root cause found later', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE.replace('for: 1m', 'for: 0s'));
    allUp(h);
    h.result('api', 'down');
    const early = h.open()[0]!;
    expect(early.rootCause.id).toBe('api');
    await h.clock.advance(2_000);
    h.result('lb', 'down');
    const [merged, root] = [h.incidents().find((i) => i.id === early.id)!, h.open()];
    expect(root).toHaveLength(1);
    expect(root[0]!.rootCause.id).toBe('lb');
    expect(merged).toMatchObject({ state: 'resolved', mergedInto: root[0]!.id });
    expect(root[0]!.events.some((e) => e.kind === 'impact_changed' && e.data?.merged === early.id)).toBe(true);
    // The API's alert now belongs to the load balancer's incident: its recovery alone resolves nothing.
    h.result('lb', 'up');
    expect(h.open()).toHaveLength(1);
    h.result('api', 'up');
    expect(h.open()).toHaveLength(0);
  });

  it('writes every incident change to the repository before publishing it', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    h.result('lb', 'down');
    h.result('api', 'down');
    await h.clock.advance(MINUTE);
    h.result('lb', 'up');
    h.result('api', 'up');
    expect(h.published.some((p) => p.incidents?.length)).toBe(true);
    expect(h.unsaved).toEqual([]);
  });

  it('while the vantage is offline alerts nothing as down, says why, then evaluates again', async () => {
    const h = new Harness(`${TOPOLOGY}vantage: { id: hk-noc, name: HK NOC, reference_checks: [gw] }\n${DOWN_RULE}`);
    allUp(h);
    h.result('gw', 'down');
    h.result('lb', 'down');
    expect(h.board().vantage).toMatchObject({ id: 'hk-noc', online: false });
    expect(h.board().vantage.reason).toContain('gw');
    expect(h.notices.at(-1)).toMatchObject({ title: 'HK NOC is offline', incidentId: null });
    await h.clock.advance(10 * MINUTE);
    h.result('lb', 'down');
    expect(h.incidents()).toEqual([]);

    h.result('gw', 'up');
    expect(h.board().vantage.online).toBe(true);
    await h.clock.advance(MINUTE);
    expect(h.open().map((i) => i.rootCause.id)).toEqual(['lb']);
  });

  it('shows a flapping component as flapping and stops opening and resolving incidents for each change', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE.replace('for: 1m', 'for: 0s'));
    allUp(h);
    let flappingAfter: number | null = null;
    for (let i = 0; i < 40; i++) {
      h.result('lb', i % 2 === 0 ? 'down' : 'up');
      await h.clock.advance(1_000);
      if (flappingAfter === null && h.board().components.find((c) => c.id === 'lb')!.flapping) {
        flappingAfter = h.incidents().length;
      }
    }
    expect(flappingAfter).not.toBeNull();
    // Without flap detection there would be 20 incidents, one per down period.
    expect(h.incidents()).toHaveLength(flappingAfter!);
    expect(flappingAfter!).toBeLessThan(10);
    for (let i = 0; i < 25; i++) h.result('lb', 'up');
    expect(h.board().components.find((c) => c.id === 'lb')!.flapping).toBe(false);
    expect(h.open()).toEqual([]);
  });

  it('fires "latency above 500 ms for 5 minutes" as a warning, exactly 5 minutes after the average crossed it', async () => {
    const h = new Harness(`${TOPOLOGY}alerts:
  - name: SlowResponses
    condition: latency
    ids: [api]
    stat: avg
    window: 5m
    above: 500ms
    for: 5m
    severity: warning
    annotations: { summary: '{{ $labels.instance }} answers in {{ $value }} ms on average' }
`);
    allUp(h, ['lb', 'auth', 'quotes', 'gw']);
    const start = h.clock.now();
    for (let t = 0; t < 5 * 60; t += 10) {
      h.result('api', 'up', { latencyMs: 600 });
      await h.clock.advance(10_000);
      if (h.clock.now() - start < 5 * MINUTE) expect(h.incidents()).toEqual([]);
    }
    h.result('api', 'up', { latencyMs: 600 });
    const [incident] = h.open();
    expect(incident).toMatchObject({
      severity: 'warning',
      title: 'api answers in 600 ms on average',
      rootCause: { kind: 'component', id: 'api' },
      openedAt: start + 5 * MINUTE,
    });
  });

  it('fires on a certificate expiring within N days and on a missing heartbeat, reading probe details defensively', () => {
    const h = new Harness(`${TOPOLOGY}alerts:
  - { name: CertExpiring, condition: cert_expiry, ids: [auth], days: 14, annotations: { summary: 'certificate of {{ $labels.instance }} expires in {{ $value }} days' } }
  - { name: HeartbeatMissing, condition: heartbeat_missing, ids: [gw], severity: critical }
`);
    allUp(h);
    h.result('auth', 'up', { tls: { daysLeft: 'soon' } as never });
    expect(h.incidents()).toEqual([]);
    h.result('auth', 'up', {
      tls: { daysLeft: 5, notAfter: 0, subject: 'CN=auth', issuer: 'CN=ca', authorized: true },
    });
    expect(h.open().map((i) => i.title)).toEqual(['certificate of auth expires in 5 days']);
    h.result('gw', 'down', { errorClass: 'heartbeat_missed' });
    expect(h.open().find((i) => i.rootCause.id === 'gw')).toMatchObject({
      rootCause: { kind: 'check', id: 'gw' },
      severity: 'critical',
    });
  });

  it('tells listeners once of each incident that opens, and adds events in time order with an earlier detection', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    const opened: string[] = [];
    h.module.onOpened((incident) => opened.push(incident.id));
    allUp(h);
    const downAt = h.clock.now();
    h.result('lb', 'down');
    h.result('api', 'down');
    await h.clock.advance(MINUTE);
    const incident = h.open()[0]!;
    expect(opened).toEqual([incident.id]);
    h.result('quotes', 'down');
    expect(opened).toEqual([incident.id]);
    expect(h.module.openIncidentFor('quotes')?.id).toBe(incident.id);
    expect(h.module.openIncidentFor('api')?.id).toBe(incident.id);
    const early = { at: downAt - 5_000, kind: 'failover' as const, message: 'failover to Singapore decided' };
    const done = { at: h.clock.now(), kind: 'failover' as const, message: 'DNS now points at Singapore' };
    expect(h.module.addEventsToIncident(incident.id, [early, done], { detectedAt: early.at })).toBe(true);
    const after = h.open()[0]!;
    expect(after.events[0]).toEqual(early);
    expect(after.events.at(-1)).toEqual(done);
    expect(after.detectedAt).toBe(early.at);
    expect(after.mttdMs).toBe(after.openedAt - early.at);
    expect(h.module.addEventsToIncident('nope', [done])).toBe(false);
  });

  it('lists as impacted only the dependents that are not serving: one up again (from the backup) leaves the list', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    h.result('lb', 'down');
    h.result('api', 'down');
    h.result('quotes', 'down');
    await h.clock.advance(MINUTE);
    expect(h.open()[0]!.impacted.map((c) => c.id)).toEqual(['api', 'quotes']);
    h.result('quotes', 'up');
    expect(h.open()[0]!.impacted.map((c) => c.id)).toEqual(['api']);
  });

  it('says in the resolution what work is still pending for the incident', async () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    allUp(h);
    h.result('lb', 'down');
    await h.clock.advance(MINUTE);
    const id = h.open()[0]!.id;
    h.module.pendingWork((incidentId) => (incidentId === id ? 'failback pending (hk-sg is failed over)' : null));
    h.result('lb', 'up');
    const resolved = h.module.list().find((i) => i.id === id)!;
    expect(resolved.state).toBe('resolved');
    expect(resolved.events.at(-1)!.message).toBe(
      'resolved: ServerDown resolved; no alert firing; failback pending (hk-sg is failed over)',
    );
  });

  it('restores open incidents after a restart and resolves them once their root cause is up', async () => {
    const repository = new MemoryIncidentRepository();
    const before = new Harness(TOPOLOGY + DOWN_RULE, { repository });
    allUp(before);
    before.result('lb', 'down');
    await before.clock.advance(MINUTE);
    const open = before.open()[0]!;
    await before.module.stop();

    const after = new Harness(TOPOLOGY + DOWN_RULE, { repository });
    expect(after.open().map((i) => i.id)).toEqual([open.id]);
    after.result('lb', 'up');
    const resolved = after.incidents().find((i) => i.id === open.id) as IncidentView;
    expect(resolved.state).toBe('resolved');
    expect(resolved.events.at(-1)?.message).toContain('after a restart');
    expect(repository.loadIncidents({})[0]!.state).toBe('resolved');
  });

  it('keeps alerts across restarts: a pending alert keeps its `for`, a firing one adds no second "firing"', async () => {
    const repository = new MemoryIncidentRepository();
    const state = new Map<string, unknown>();
    const restart = (from: Harness) =>
      new Harness(TOPOLOGY + DOWN_RULE, {
        repository,
        state,
        start: from.clock.now(),
        statuses: { lb: 'down', api: 'up', auth: 'up', quotes: 'up', gw: 'up' },
      });
    const first = new Harness(TOPOLOGY + DOWN_RULE, { repository, state });
    allUp(first);
    const downAt = first.clock.now();
    first.result('lb', 'down');
    await first.clock.advance(40_000);
    await first.module.stop();

    // lb went down 40 s before the restart: its 1 m `for` ends 20 s after it, not a minute after.
    const second = restart(first);
    second.result('lb', 'down');
    await second.clock.advance(19_000);
    expect(second.open()).toEqual([]);
    await second.clock.advance(1_000);
    const incident = second.open()[0]!;
    expect(incident.detectedAt).toBe(downAt);
    await second.clock.advance(30_000);
    await second.module.stop();

    const third = restart(second);
    third.result('lb', 'down');
    await third.clock.advance(MINUTE);
    const firings = third.open()[0]!.events.filter((e) => e.kind === 'firing');
    expect(firings).toHaveLength(1);
    third.result('lb', 'up');
    const resolved = third.incidents().find((i) => i.id === incident.id)!;
    expect(resolved.events.at(-1)!.message).toBe('resolved: ServerDown resolved; no alert firing');
  });

  it('survives a hook fed garbage: the error is logged, the engine keeps going', () => {
    const h = new Harness(TOPOLOGY + DOWN_RULE);
    expect(() => h.module.onCheckUpdate({ check: { id: 'lb' }, result: null } as never)).not.toThrow();
    expect(h.logs.some((l) => l.startsWith('error: knock-on analysis failed'))).toBe(true);
    h.result('lb', 'down');
    expect(h.board().components.find((c) => c.id === 'lb')?.status).toBe('down');
  });
});

describe('knock-on analysis: rules on checks, escalation', () => {
  it('folds a check-level alert on an impacted component into the root cause incident, and escalates on a worse one', async () => {
    const h = new Harness(`${TOPOLOGY}alerts:
  - { name: CheckDown, condition: down, on: checks, for: 0s, severity: warning }
  - { name: ComponentDown, condition: down, ids: [lb], for: 30s, severity: critical }
`);
    allUp(h);
    h.result('lb', 'down');
    h.result('api', 'down');
    const [incident] = h.open();
    expect(incident).toMatchObject({ severity: 'warning', rootCause: { kind: 'component', id: 'lb' } });
    expect(incident!.events.at(-1)).toMatchObject({
      kind: 'impact_changed',
      data: { subject: { kind: 'check', id: 'api' } },
    });
    await h.clock.advance(30_000);
    const escalated = h.open()[0]!;
    expect(escalated.id).toBe(incident!.id);
    expect(escalated.severity).toBe('critical');
    expect(escalated.events.slice(-2).map((e) => e.kind)).toEqual(['firing', 'escalated']);
  });

  it('makes a failing check that belongs to no component its own root cause', () => {
    const h = new Harness(`${TOPOLOGY}alerts:
  - { name: CheckDown, condition: down, on: checks, ids: [gw], severity: info }
`);
    h.result('gw', 'down');
    expect(h.open()[0]).toMatchObject({ rootCause: { kind: 'check', id: 'gw' }, impacted: [] });
  });
});

describe('knock-on analysis: acknowledging and silencing', () => {
  const withDesktop = `${TOPOLOGY}${DOWN_RULE.replace('for: 1m', 'for: 0s')}receivers:
  - { id: wall, type: desktop }
notifications: { group_wait: 30s, group_interval: 5m, repeat_interval: 4h }
`;

  it('acknowledges through the RPC with who and why, refusing invalid parameters', async () => {
    const h = new Harness(withDesktop);
    allUp(h);
    h.result('lb', 'down');
    const id = h.open()[0]!.id;
    await expect(
      h.rpc.dispatch('incidents.acknowledge', { incidentId: id, by: 'ana', note: '' }, ADMIN),
    ).rejects.toThrow('incidents.acknowledge: invalid params: unknown field by');
    await expect(h.rpc.dispatch('incidents.acknowledge', { incidentId: 'nope', note: '' }, ADMIN)).rejects.toThrow(
      'no open incident "nope"',
    );
    await expect(h.rpc.dispatch('incidents.acknowledge', 'junk', ADMIN)).rejects.toThrow(/invalid params/);
    const view = (await h.rpc.dispatch(
      'incidents.acknowledge',
      {
        incidentId: id,
        note: 'on it, calling the DC',
      },
      ADMIN,
    )) as IncidentView;
    expect(view.acknowledged).toEqual({
      by: 'Ada',
      actor: { id: 'user:ada', name: 'Ada', via: 'http' },
      note: 'on it, calling the DC',
      at: h.clock.now(),
    });
    expect(h.open()[0]!.events.at(-1)).toMatchObject({
      kind: 'acknowledged',
      message: 'acknowledged by Ada: on it, calling the DC',
      data: { by: 'Ada', actor: { id: 'user:ada', via: 'http' } },
    });
  });

  it('sends the first desktop notification exactly at group_wait, and nothing while silenced', async () => {
    const h = new Harness(withDesktop);
    allUp(h);
    h.result('lb', 'down');
    const id = h.open()[0]!.id;
    await h.clock.advance(30_000 - 1);
    expect(h.notices).toEqual([]);
    await h.clock.advance(1);
    expect(h.notices.map((n) => n.incidentId)).toEqual([id]);
  });

  it('sends nothing while an incident is silenced, then resumes', async () => {
    const h = new Harness(withDesktop);
    allUp(h);
    h.result('lb', 'down');
    const id = h.open()[0]!.id;
    await expect(h.rpc.dispatch('incidents.silence', { incidentId: id, forMs: 10 }, ADMIN)).rejects.toThrow(/forMs/);
    const silenced = (await h.rpc.dispatch(
      'incidents.silence',
      {
        incidentId: id,
        forMs: 3_600_000,
      },
      ADMIN,
    )) as IncidentView;
    expect(silenced.silencedUntil).toBe(h.clock.now() + 3_600_000);
    await h.clock.advance(3_600_000 - 1);
    expect(h.notices).toEqual([]);
    await h.clock.advance(1);
    expect(h.notices.map((n) => n.incidentId)).toEqual([id]);
  });

  it('ends a silence early: notifications resume at once, and the timeline says who ended it', async () => {
    const h = new Harness(withDesktop);
    allUp(h);
    h.result('lb', 'down');
    const id = h.open()[0]!.id;
    await expect(h.rpc.dispatch('incidents.unsilence', { incidentId: id }, ADMIN)).rejects.toThrow(
      `no silenced open incident "${id}"`,
    );
    await h.rpc.dispatch('incidents.silence', { incidentId: id, forMs: 3_600_000 }, ADMIN);
    await h.clock.advance(60_000);
    expect(h.notices).toEqual([]);
    const view = (await h.rpc.dispatch('incidents.unsilence', { incidentId: id }, OPERATOR)) as IncidentView;
    expect(view.silencedUntil).toBeNull();
    expect(view.events.at(-1)).toMatchObject({ kind: 'silenced', data: { by: 'Olu', ended: true } });
    await h.clock.advance(0);
    expect(h.notices.map((n) => n.incidentId)).toEqual([id]);
  });
});

describe('knock-on analysis: incident work (update notes, resolving by hand)', () => {
  const rules = `${TOPOLOGY}${DOWN_RULE.replace('for: 1m', 'for: 0s')}`;

  it('adds update notes to the timeline, written before shown, and refuses an empty one', async () => {
    const h = new Harness(rules);
    allUp(h);
    h.result('lb', 'down');
    const id = h.open()[0]!.id;
    await expect(h.rpc.dispatch('incidents.note', { incidentId: id, note: '  ' }, ADMIN)).rejects.toThrow(
      'incidents.note: invalid params: note: expected a note',
    );
    await expect(h.rpc.dispatch('incidents.note', { incidentId: 'nope', note: 'x' }, ADMIN)).rejects.toThrow(
      'no incident "nope"',
    );
    await h.rpc.dispatch('incidents.note', { incidentId: id, note: 'DC says a PDU tripped' }, ADMIN);
    expect(h.open()[0]!.events.at(-1)).toMatchObject({
      kind: 'note',
      message: 'Ada: DC says a PDU tripped',
      data: { by: 'Ada', note: 'DC says a PDU tripped' },
    });
    const stored = h.repository.loadIncidents({ limit: 10 }).find((i) => i.id === id)!;
    expect(stored.events.at(-1)).toMatchObject({ kind: 'note', data: { by: 'Ada' } });
  });

  it('resolves by hand with who and why; a still-failing root cause opens a new incident only when it fires again', async () => {
    const h = new Harness(rules);
    allUp(h);
    h.result('lb', 'down');
    const id = h.open()[0]!.id;
    const view = (await h.rpc.dispatch(
      'incidents.resolve',
      {
        incidentId: id,
        note: 'known, tracked in the change ticket',
      },
      ADMIN,
    )) as IncidentView;
    expect(view).toMatchObject({ state: 'resolved', resolvedAt: h.clock.now() });
    expect(view.events.at(-1)).toMatchObject({
      kind: 'resolved',
      message: 'resolved: by hand by Ada: known, tracked in the change ticket',
    });
    expect(h.open()).toEqual([]);
    await expect(h.rpc.dispatch('incidents.resolve', { incidentId: id, note: '' }, ADMIN)).rejects.toThrow(
      `no open incident "${id}"`,
    );
    // A note after resolving still lands on its timeline.
    await h.rpc.dispatch('incidents.note', { incidentId: id, note: 'post-mortem on Monday' }, OPERATOR);
    expect(
      h
        .incidents()
        .find((i) => i.id === id)!
        .events.at(-1),
    ).toMatchObject({ kind: 'note' });
    // Still down: no new incident. Up, then down again: a new one.
    h.result('lb', 'down');
    expect(h.open()).toEqual([]);
    await h.clock.advance(1_000);
    h.result('lb', 'up');
    h.result('lb', 'down');
    expect(h.open().map((i) => i.id)).not.toContain(id);
    expect(h.open()).toHaveLength(1);
  });
});

describe('knock-on through replication: a replica check names its primary', () => {
  const DATA_TIER = `regions:
  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2 }
  - { id: sg, name: Singapore, lat: 1.35, lon: 103.8 }
checks:
  - { id: db-hk, type: postgres, host: 10.0.1.5, role: primary, region: hk }
  - { id: db-sg, type: postgres, host: 10.0.2.5, role: replica, primary: db-hk, region: sg }
  - { id: reports, type: http, url: 'http://10.0.2.9/health', region: sg }
components:
  - { id: hk-db, name: HK primary DB, kind: database, region: hk, checks: [db-hk] }
  - { id: sg-db, name: SG replica DB, kind: database, region: sg, checks: [db-sg] }
  - { id: sg-reports, name: SG reports, region: sg, checks: [reports], depends_on: [sg-db] }
`;

  it("folds the replica and the app reading from it into the primary's incident", async () => {
    const h = new Harness(DATA_TIER + DOWN_RULE);
    for (const id of ['db-hk', 'db-sg', 'reports']) h.result(id, 'up');
    h.result('db-hk', 'down');
    h.result('db-sg', 'down', { errorClass: 'replication_stopped' });
    h.result('reports', 'down');
    const board = h.board();
    expect(board.components.find((c) => c.id === 'hk-db')).toMatchObject({ role: 'root_cause' });
    expect(board.components.find((c) => c.id === 'sg-db')).toMatchObject({ role: 'impacted', impactedBy: ['hk-db'] });
    expect(board.components.find((c) => c.id === 'sg-reports')).toMatchObject({ role: 'impacted' });
    await h.clock.advance(MINUTE + 1_000);
    const open = h.open();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ rootCause: { kind: 'component', id: 'hk-db' } });
    expect(open[0]!.impacted.map((i) => i.id)).toEqual(['sg-db', 'sg-reports']);
  });
});
