import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';

const base = `checks:
  - { id: hk-lb, type: http, url: "http://127.0.0.1:1/health" }
  - { id: sg-lb, type: http, url: "http://127.0.0.1:2/health" }
components:
  - { id: hk-edge, checks: [hk-lb] }
`;

const policy = (extra: string) => `${base}failover:
  policies:
    - id: hk-to-sg
      watch: { check: hk-lb }
      primary: 192.0.2.10
      backup: 198.51.100.20
${extra}`;

const dnsAction = `      actions:
        - type: dns_update
          server: 192.0.2.53
          zone: example.net
          tsig: { key_name: knockon, secret_env: TSIG_SECRET }
`;

const issuesOf = (text: string) => {
  const outcome = parseConfigText(text, 'k.yaml');
  if (outcome.ok) throw new Error('expected the config to be invalid');
  return outcome.issues;
};

describe('failover config', () => {
  it('refuses HAProxy names that the runtime API would read as a second command, at load', () => {
    const issues = issuesOf(
      policy(`      actions:
        - type: haproxy
          socket: /run/haproxy.sock
          backend: "app;shutdown frontend web"
          server: hk1
`),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({
        field: 'failover.policies[0].actions[0].backend',
        message: expect.stringContaining('expected a HAProxy name'),
        line: 15,
      }),
    );
  });

  it('fills in safe defaults: manual failback, a cooldown, bounded actions', () => {
    const outcome = parseConfigText(policy(`      record: { name: app.example.net }\n${dnsAction}`), 'k.yaml');
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const p = outcome.config.failover!.policies[0]!;
    expect(p).toMatchObject({
      mode: 'automatic',
      trigger: { min_vantages: 1 },
      record: { name: 'app.example.net', type: 'A', ttl: 60_000 },
      failback: { mode: 'manual', rise: 5, hold: 300_000, after_failure: 'automatic' },
      cooldown: 1_800_000,
      approval_timeout: 600_000,
      verify: { timeout: 120_000, interval: 1_000 },
    });
    expect(p.actions[0]).toMatchObject({ timeout: 10_000, retries: 2, backoff: 1_000, on: ['failover', 'failback'] });
  });

  it('names an unknown watched check with its path and the defined ones', () => {
    const [issue] = issuesOf(
      policy(`      actions: [{ type: webhook, url_env: SLACK_URL }]\n`).replace('check: hk-lb', 'check: hk-lbb'),
    );
    expect(issue).toMatchObject({ field: 'failover.policies[0].watch.check', line: 9 });
    expect(issue!.message).toBe('unknown check "hk-lbb"; defined checks: hk-lb, sg-lb');
  });

  it('accepts a watched component and refuses an unknown one', () => {
    const ok = parseConfigText(
      policy(`      actions: [{ type: webhook, url_env: SLACK_URL }]\n`).replace('check: hk-lb', 'component: hk-edge'),
      'k.yaml',
    );
    expect(ok.ok).toBe(true);
    const [issue] = issuesOf(
      policy(`      actions: [{ type: webhook, url_env: SLACK_URL }]\n`).replace('check: hk-lb', 'component: nope'),
    );
    expect(issue).toMatchObject({ field: 'failover.policies[0].watch.component' });
  });

  it('watches an alert rule by name and labels, and names an unknown rule', () => {
    const rules = `alerts:\n  - { name: ServerDown, condition: down, on: checks, for: 1m, labels: { team: edge } }\n`;
    const watched = policy(`      actions: [{ type: webhook, url_env: SLACK_URL }]\n`).replace(
      'check: hk-lb',
      'alert: ServerDown, labels: { team: edge }',
    );
    const ok = parseConfigText(watched + rules, 'k.yaml');
    expect(ok.ok && ok.config.failover!.policies[0]!.watch).toEqual({ alert: 'ServerDown', labels: { team: 'edge' } });
    const [issue] = issuesOf(watched.replace('alert: ServerDown', 'alert: ServerDwn') + rules);
    expect(issue).toMatchObject({ field: 'failover.policies[0].watch.alert' });
    expect(issue!.message).toBe('unknown alert rule "ServerDwn"; defined rules: ServerDown');
  });

  it('refuses a verify timeout shorter than the TTL it must outwait, and unknown receivers to notify', () => {
    const [ttl] = issuesOf(
      policy(
        `      record: { name: app.example.net, ttl: 60s }\n      resolvers: [192.0.2.53]\n      verify: { timeout: 30s }\n${dnsAction}`,
      ),
    );
    expect(ttl).toMatchObject({ field: 'failover.policies[0].verify.timeout' });
    expect(ttl!.message).toContain("verify.timeout (30000 ms) is shorter than the record's TTL (60000 ms)");
    const [receiver] = issuesOf(
      policy(`      notify: [noc, pager]\n      actions: [{ type: webhook, url_env: SLACK_URL }]\n`) +
        'receivers:\n  - { id: noc, type: desktop }\n',
    );
    expect(receiver).toMatchObject({ field: 'failover.policies[0].notify[1]' });
    expect(receiver!.message).toBe('unknown receiver "pager"; defined receivers: noc');
  });

  it('refuses k of n vantages that can never agree', () => {
    const [issue] = issuesOf(
      policy(`      trigger: { min_vantages: 2 }\n      actions: [{ type: webhook, url_env: SLACK_URL }]\n`),
    );
    expect(issue).toMatchObject({ field: 'failover.policies[0].trigger.min_vantages' });
    expect(issue!.message).toContain('the watched check is probed from 1');
  });

  it('needs a record for DNS actions, inside the zone', () => {
    expect(issuesOf(policy(dnsAction))[0]).toMatchObject({ field: 'failover.policies[0].record' });
    const [issue] = issuesOf(policy(`      record: { name: app.example.org }\n${dnsAction}`));
    expect(issue).toMatchObject({
      field: 'failover.policies[0].actions[0].zone',
      message: 'record app.example.org is not inside zone example.net',
    });
  });

  it('takes secrets only as environment variable names', () => {
    const [issue] = issuesOf(
      policy(`      actions: [{ type: webhook, url: "https://hooks.slack.com/services/T/B/secret" }]\n`),
    );
    expect(issue!.field).toMatch(/^failover\.policies\[0\]\.actions\[0\]/);
  });

  it('rejects a bare number as a duration and an unknown action type', () => {
    expect(issuesOf(policy(`      cooldown: 30\n      actions: [{ type: webhook, url_env: X }]\n`))[0]).toMatchObject({
      field: 'failover.policies[0].cooldown',
    });
    expect(issuesOf(policy(`      actions: [{ type: pager }]\n`))[0]!.message).toContain(
      'dns_update, route53, haproxy, webhook, command',
    );
  });

  it('refuses duplicate policy ids', () => {
    const text = policy(
      `      actions: [{ type: webhook, url_env: X }]\n    - { id: hk-to-sg, watch: { check: sg-lb }, primary: a, backup: b, actions: [{ type: webhook, url_env: X }] }\n`,
    );
    expect(issuesOf(text)[0]).toMatchObject({
      field: 'failover.policies[1].id',
      message: 'duplicate policy id "hk-to-sg"',
    });
  });

  it('refuses a webhook text with a placeholder it could never fill, at its line', () => {
    const issues = issuesOf(
      policy(`      actions:
        - type: webhook
          url_env: SLACK_URL
          text: "Failover initiated to {{ run.target }} for {{ incident.title }}"
`),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        field: 'failover.policies[0].actions[0].text',
        line: 15,
        message: expect.stringMatching(/^unknown placeholder \{\{ run\.target \}\}; known: policy\.id, /),
      }),
    ]);
  });

  it('runs the incident of the watched check into the action context', async () => {
    const { actionContext } = await import('../../../src/engine/failover/runner.ts');
    const outcome = parseConfigText(policy('      actions: [{ type: webhook, url_env: SLACK_URL }]\n'), 'k.yaml');
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    const incident = { id: 'i1', title: 't', severity: 'critical', rootCause: 'hk-edge' };
    const env = { incident: () => incident } as unknown as Parameters<typeof actionContext>[2];
    const request = { run: 9, direction: 'failover' as const, reason: 'hk-lb down', dryRun: false };
    expect(actionContext(outcome.config.failover!.policies[0]!, request, env)).toMatchObject({ run: 9, incident });
  });
});
