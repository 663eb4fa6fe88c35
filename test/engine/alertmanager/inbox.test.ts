/**
 * The webhook's engine side, called as the board server calls it: credentials first (basic auth
 * here, as Alertmanager's http_config sends it), then the body, then each alert mapped to a
 * component by the routes or the template. The full path through a real Alertmanager is in
 * test/server/alertmanager.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AlertmanagerInbox } from '../../../src/engine/alertmanager/inbox.ts';
import type { ExternalAlert } from '../../../src/engine/alerting/external.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const CONFIG = `components:
  - { id: hk-api, name: HK API, checks: [] }
  - { id: fleet, name: Fleet, checks: [] }
alertmanager_in:
  basic_auth: { username: alertmanager, password_env: AM_PASSWORD }
  component: "{{ $labels.service }}"
  routes:
    - { match: { job: node }, component: fleet }
`;

function inbox(yaml = CONFIG) {
  const received: ExternalAlert[][] = [];
  const logs: string[] = [];
  const rpc = new RpcRegistry();
  const box = new AlertmanagerInbox({
    clock: new FakeClock(),
    rpc,
    log: (_level, message) => logs.push(message),
    receive: (batch) => (received.push([...batch]), 0),
    env: { AM_PASSWORD: 'pa55' },
  });
  const outcome = parseConfigText(yaml, 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  box.onConfig(outcome.config);
  return { box, received, logs };
}

const BASIC = `Basic ${Buffer.from('alertmanager:pa55').toString('base64')}`;

function alert(labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') {
  return {
    status,
    labels,
    annotations: { description: 'x' },
    startsAt: '2026-12-04T17:50:32Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-12-04T17:55:32Z',
    fingerprint: 'd2aeefc389ca7746',
  };
}

function hook(alerts: unknown[]) {
  return JSON.stringify({ version: '4', groupKey: '{}:{}', status: 'firing', receiver: 'knockon', alerts });
}

describe('the Alertmanager webhook in the engine', () => {
  it('takes basic auth as Alertmanager sends it, and nothing else', () => {
    const { box } = inbox();
    const body = hook([]);
    expect(box.webhook({ authorization: '', body }).status).toBe(401);
    expect(
      box.webhook({ authorization: `Basic ${Buffer.from('alertmanager:nope').toString('base64')}`, body }).status,
    ).toBe(401);
    expect(box.webhook({ authorization: BASIC, body }).status).toBe(200);
  });

  it('maps alerts by the routes first, then the template; counts those that name no component', () => {
    const { box, received, logs } = inbox();
    const out = box.webhook({
      authorization: BASIC,
      body: hook([
        alert({ alertname: 'ServerDown', job: 'node', instance: '10.0.0.5:9100', severity: 'critical' }),
        alert({ alertname: 'HighLatency', service: 'hk-api', severity: 'page' }),
        alert({ alertname: 'DiskFull', service: 'nowhere' }, 'resolved'),
      ]),
    });
    expect(out).toEqual({ status: 200, body: { accepted: 2, unmapped: 1, refused: 0 } });
    expect(received[0]!.map((a) => [a.name, a.component, a.severity, a.firing, a.endsAt])).toEqual([
      ['ServerDown', 'fleet', 'critical', true, null],
      ['HighLatency', 'hk-api', 'warning', true, null],
    ]);
    expect(logs.join('\n')).toContain('1 alert(s) name no known component (DiskFull)');
  });

  it('says what is wrong with a body that is not Alertmanager webhook version 4', () => {
    const { box } = inbox();
    expect(box.webhook({ authorization: BASIC, body: '{' })).toEqual({
      status: 400,
      body: { error: 'the body is not JSON' },
    });
    const bad = box.webhook({ authorization: BASIC, body: hook([{ status: 'burning', labels: {} }]) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('alerts.0.status');
  });

  it('is not there without alertmanager_in', () => {
    const { box } = inbox('components: []\n');
    expect(box.webhook({ authorization: BASIC, body: hook([]) }).status).toBe(404);
  });

  it('refuses an unauthenticated webhook in the config, naming the field', () => {
    const outcome = parseConfigText('alertmanager_in: { component: "{{ $labels.service }}" }\n', 'test.yaml');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.issues.map((i) => i.field)).toContain('alertmanager_in.bearer_token_env');
  });
});
