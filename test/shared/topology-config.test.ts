import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';

const CHECKS = `checks:
  - { id: lb, type: http, url: http://127.0.0.1:1/health }
  - { id: api, type: http, url: http://127.0.0.1:2/health }
  - { id: db, type: http, url: http://127.0.0.1:3/health }
`;

function parse(text: string) {
  return parseConfigText(text, 'knockon.yaml');
}

function issues(text: string) {
  const outcome = parse(text);
  if (outcome.ok) throw new Error('expected the config to be refused');
  return outcome.issues;
}

describe('topology, alert and receiver config', () => {
  it('accepts components with regions, sites, status rules and dependencies, filling defaults', () => {
    const outcome = parse(`regions:
  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2, sites: [{ id: tko, name: Tseung Kwan O }] }
${CHECKS}components:
  - { id: lb, kind: load_balancer, region: hk, site: tko, checks: [lb] }
  - { id: api, checks: [api, db], status_rule: { at_least: 1 }, depends_on: [lb] }
  - { id: db, kind: database, checks: [db] }
`);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.config.components[1]).toMatchObject({ kind: 'service', status_rule: { at_least: 1 } });
    expect(outcome.config.components[2]!.status_rule).toBe('all');
    expect(outcome.config.regions[0]!.sites[0]!.id).toBe('tko');
    expect(outcome.config.notifications).toEqual({
      group_wait: 30_000,
      group_interval: 300_000,
      repeat_interval: 14_400_000,
    });
    expect(outcome.config.flap_detection).toMatchObject({ start_threshold: 50, stop_threshold: 25 });
  });

  it('expresses "latency above 500 ms for 5 minutes is a warning" and "down for 1 minute is critical"', () => {
    const outcome = parse(`${CHECKS}alerts:
  - name: SlowResponses
    condition: latency
    stat: avg
    window: 5m
    above: 500ms
    for: 5m
    severity: warning
    annotations: { summary: '{{ $labels.instance }} answers in {{ $value }} ms' }
  - name: ServerDown
    condition: down
    on: checks
    for: 1m
    severity: critical
    labels: { team: noc }
`);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.config.alerts[0]).toMatchObject({ condition: 'latency', above: 500, window: 300_000, for: 300_000 });
    expect(outcome.config.alerts[1]).toMatchObject({ condition: 'down', for: 60_000, severity: 'critical' });
  });

  it('allows a check in several components, and a check in none', () => {
    const outcome = parse(`${CHECKS}components:
  - { id: a, checks: [lb, api] }
  - { id: b, checks: [api] }
`);
    expect(outcome.ok).toBe(true);
  });

  it('refuses a component naming a check that does not exist, pointing at the entry', () => {
    const found = issues(`${CHECKS}components:
  - id: api
    checks: [api, nope]
`);
    expect(found).toEqual([
      expect.objectContaining({
        line: 7,
        field: 'components[0].checks[1]',
        message: expect.stringContaining('"nope"'),
      }),
    ]);
  });

  it('names the cycle in depends_on and points at the edge that closes it', () => {
    const found = issues(`${CHECKS}components:
  - { id: a, depends_on: [b] }
  - { id: b, depends_on: [c] }
  - { id: c, depends_on: [a] }
`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 8, field: 'components[2].depends_on[0]' });
    expect(found[0]!.message).toBe('depends_on forms a cycle: a → b → c → a');
  });

  it('refuses unknown dependencies, regions, sites and self-dependencies', () => {
    const found = issues(`regions:
  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2, sites: [{ id: tko, name: TKO }] }
${CHECKS}components:
  - { id: a, region: sg, depends_on: [ghost] }
  - { id: b, region: hk, site: elsewhere, depends_on: [b] }
`);
    expect(found.map((i) => i.field).sort()).toEqual([
      'components[0].depends_on[0]',
      'components[0].region',
      'components[1].depends_on[0]',
      'components[1].site',
    ]);
  });

  it('refuses alerts on unknown ids, vantage references to unknown checks, and duplicate rules', () => {
    const found = issues(`${CHECKS}components:
  - { id: edge, checks: [lb] }
vantage: { reference_checks: [gateway] }
alerts:
  - { name: Down, condition: down, ids: [lb-component] }
  - { name: Down, condition: latency, above: 1s, ids: [api] }
`);
    expect(found.map((i) => i.field).sort()).toEqual([
      'alerts[0].ids[0]',
      'alerts[1].name',
      'vantage.reference_checks[0]',
    ]);
  });

  it('reads receiver secrets only from the environment, and wants exactly one URL for a webhook', () => {
    const found = issues(`${CHECKS}receivers:
  - { id: s, type: slack, url: https://hooks.slack.com/services/secret }
  - { id: w, type: webhook }
  - { id: p, type: pagerduty, routing_key: abc }
`);
    expect(found.map((i) => `${i.field}: ${i.message}`).sort()).toEqual([
      expect.stringMatching(/^receivers\[0\]\.url: unknown field/),
      expect.stringMatching(/^receivers\[0\]\.url_env: required field "url_env" is missing \(expected the name/),
      expect.stringMatching(/^receivers\[2\]\.routing_key: unknown field/),
      expect.stringMatching(/^receivers\[2\]\.routing_key_env: required field "routing_key_env" is missing/),
    ]);
    const webhook = issues(`${CHECKS}receivers:
  - { id: w, type: webhook }
`);
    expect(webhook[0]).toMatchObject({ field: 'receivers[0]', message: 'expected exactly one of url or url_env' });
  });
});
