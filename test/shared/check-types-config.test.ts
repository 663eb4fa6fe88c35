import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';

const parse = (checks: object[], extra: object = {}) => parseConfigText(JSON.stringify({ checks, ...extra }), 'k.yaml');
const issues = (checks: object[], extra: object = {}) => {
  const outcome = parse(checks, extra);
  return outcome.ok ? [] : outcome.issues.map((i) => `${i.field}: ${i.message}`);
};

describe('check type config', () => {
  it('fills HTTP defaults from nginx: 2s connect, 5s send, 5s read; 5 redirects; 8 KiB body', () => {
    const outcome = parse([{ id: 'a', type: 'http', url: 'https://example.net/health' }]);
    expect(outcome.ok && outcome.config.checks[0]).toMatchObject({
      connect_timeout: 2_000,
      send_timeout: 5_000,
      read_timeout: 5_000,
      max_redirects: 5,
      max_body_bytes: 8_192,
      tls: { insecure_skip_verify: false },
    });
  });

  it('accepts dns, tcp, tls and heartbeat checks, with engine and listener settings', () => {
    const outcome = parse(
      [
        {
          id: 'd',
          type: 'dns',
          query_name: 'api.example.net',
          resolvers: ['192.0.2.53', '127.0.0.1:5353', '[::1]:53'],
        },
        { id: 't', type: 'tcp', host: 'db.example.net', port: 5432 },
        { id: 's', type: 'tls', host: 'example.net', expect: { min_days_left: 14 } },
        { id: 'h', type: 'heartbeat', token_env: 'HB_TOKEN', degraded_after: '500ms', down_after: '2s' },
      ],
      { engine: { max_in_flight: 64 }, heartbeat_listener: { port: 8081 } },
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.config.checks.map((c) => c.type)).toEqual(['dns', 'tcp', 'tls', 'heartbeat']);
    expect(outcome.config.checks[0]).toMatchObject({ record_type: 'A', expect: { rcode: 'NOERROR', agree: false } });
    expect(outcome.config.checks[2]).toMatchObject({ port: 443 });
    expect(outcome.config.engine.max_in_flight).toBe(64);
    expect(outcome.config.heartbeat_listener).toEqual({ host: '127.0.0.1', port: 8081 });
  });

  it('defaults the in-flight limit to 256 and has no heartbeat listener unless configured', () => {
    const outcome = parse([]);
    expect(outcome.ok && outcome.config.engine.max_in_flight).toBe(256);
    expect(outcome.ok && outcome.config.heartbeat_listener).toBeUndefined();
  });

  it('names every check type when the type is unknown', () => {
    expect(issues([{ id: 'x', type: 'ping' }])).toEqual([
      'checks[0].type: expected "type" to be one of: http, dns, tcp, tls, heartbeat, postgres, mysql, redis, consistency, route53_health, prometheus',
    ]);
  });

  it('refuses a resolver that is not an address, and an unknown record type', () => {
    expect(issues([{ id: 'd', type: 'dns', query_name: 'x', resolvers: ['dns.google'] }])[0]).toContain(
      'checks[0].resolvers[0]: expected a resolver IP address',
    );
    expect(
      issues([{ id: 'd', type: 'dns', query_name: 'x', record_type: 'PTR', resolvers: ['192.0.2.1'] }])[0],
    ).toContain('checks[0].record_type');
  });

  it('wants exactly one of token and token_env, and degraded_after before down_after', () => {
    expect(issues([{ id: 'h', type: 'heartbeat', down_after: '2s' }])).toEqual([
      'checks[0].token_env: expected exactly one of token_env or token',
    ]);
    expect(issues([{ id: 'h', type: 'heartbeat', token_env: 'T', degraded_after: '3s', down_after: '2s' }])).toEqual([
      'checks[0].degraded_after: degraded_after must be less than down_after',
    ]);
  });

  it('lets a heartbeat check be evaluated more often than the default timeout', () => {
    expect(issues([{ id: 'h', type: 'heartbeat', token_env: 'T', down_after: '1s', interval: '100ms' }])).toEqual([]);
  });

  it('accepts a timeout longer than the interval (5 s connect timeout checked every 5 s, or longer)', () => {
    const outcome = parse([
      { id: 'a', type: 'tcp', host: 'h', port: 1, interval: '5s', timeout: '5s' },
      { id: 'b', type: 'http', url: 'http://x.example/', interval: '5s', timeout: '8s', connect_timeout: '5s' },
      { id: 'c', type: 'tcp', host: 'h', port: 1, interval: '100ms' },
    ]);
    expect(outcome.ok && outcome.config.checks.map((c) => [c.interval, c.timeout])).toEqual([
      [5_000, 5_000],
      [5_000, 8_000],
      [100, undefined],
    ]);
  });

  it('lets a heartbeat check be degraded-only, but wants at least one threshold', () => {
    expect(issues([{ id: 'h', type: 'heartbeat', token_env: 'T', degraded_after: '1m' }])).toEqual([]);
    expect(issues([{ id: 'h', type: 'heartbeat', token_env: 'T' }])).toEqual([
      'checks[0].down_after: expected down_after, degraded_after or both (degraded_after alone never marks the check down)',
    ]);
  });

  it('says a missing required field is missing, not that it is a bad value', () => {
    expect(issues([{ id: 'a', type: 'tcp', host: 'h' }])).toEqual(['checks[0].port: required field "port" is missing']);
    expect(issues([{ id: 'a', type: 'http' }])).toEqual([
      'checks[0].url: required field "url" is missing (expected an absolute http:// or https:// URL)',
    ]);
    expect(issues([{ id: 'a', type: 'tcp', host: 'h', port: 1, interval: null }])[0]).toContain('expected a duration');
    expect(issues([{ type: 'tcp', host: 'h', port: 1 }])[0]).toMatch(
      /^checks\[0\]\.id: required field "id" is missing/,
    );
    expect(issues([{ id: 'a', type: 'tcp', host: 'h', port: 'x' }])[0]).not.toContain('missing');
  });

  it('wants fast_interval no longer than interval', () => {
    expect(issues([{ id: 'a', type: 'tcp', host: 'h', port: 1, interval: '5s', fast_interval: '10s' }])).toEqual([
      'checks[0].fast_interval: fast_interval (10000 ms) must not exceed interval (5000 ms)',
    ]);
  });

  it('refuses an invalid body_regex with the field named', () => {
    expect(issues([{ id: 'a', type: 'http', url: 'http://x.example/', expect: { body_regex: '(' } }])).toEqual([
      'checks[0].expect.body_regex: expected a valid regular expression',
    ]);
  });
});

describe("nginx's max_fails/fail_timeout in the config", () => {
  it('resolves to a fail window, filling the missing half with nginx defaults (1, 10s)', async () => {
    const { resolveChecks } = await import('../../src/engine/checks.ts');
    const outcome = parse([
      { id: 'a', type: 'tcp', host: 'h', port: 1, max_fails: 3, fail_timeout: '30s' },
      { id: 'b', type: 'tcp', host: 'h', port: 1, max_fails: 2 },
      { id: 'c', type: 'tcp', host: 'h', port: 1, fail_timeout: '5s' },
      { id: 'd', type: 'tcp', host: 'h', port: 1 },
    ]);
    expect(outcome.ok && resolveChecks(outcome.config).map((c) => c.failWindow)).toEqual([
      { maxFails: 3, failTimeoutMs: 30_000 },
      { maxFails: 2, failTimeoutMs: 10_000 },
      { maxFails: 1, failTimeoutMs: 5_000 },
      null,
    ]);
  });

  it('refuses fall or rise beside max_fails/fail_timeout, naming the field', () => {
    expect(issues([{ id: 'a', type: 'tcp', host: 'h', port: 1, max_fails: 3, fall: 2, rise: 2 }])).toEqual([
      'checks[0].fall: fall and max_fails/fail_timeout are two rules for down and up again: use one',
      'checks[0].rise: rise and max_fails/fail_timeout are two rules for down and up again: use one',
    ]);
  });
});

describe('header expectations and backup_in_use in the config', () => {
  const lb = (backup: object, kind = 'load_balancer', check: object = { id: 'edge', type: 'http', url: 'http://x/' }) =>
    issues([check], { components: [{ id: 'lb', kind, checks: ['edge'], backup_in_use: backup }] });

  it('wants exactly one of equals, matches, present or absent, and a valid regex', () => {
    const http = (headers: object) => issues([{ id: 'a', type: 'http', url: 'http://x/', expect: { headers } }]);
    expect(http({ 'X-Upstream': { equals: 'hk', present: true } })).toEqual([
      'checks[0].expect.headers.X-Upstream: expected exactly one of equals, matches, present: true or absent: true',
    ]);
    expect(http({ Via: { matches: '(' } })).toEqual([
      'checks[0].expect.headers.Via.matches: expected a valid regular expression',
    ]);
    expect(http({ 'bad name': { present: true } })[0]).toContain('expected an HTTP header name');
    expect(http({ Via: { absent: true }, 'X-Upstream': { matches: '^hk-' } })).toEqual([]);
  });

  it('accepts backup_in_use on a load balancer with one of its http checks, and says what is wrong otherwise', () => {
    expect(lb({ check: 'edge', header: 'X-Upstream', equals: 'sg-backup' })).toEqual([]);
    expect(lb({ check: 'edge', header: 'X-Upstream', equals: 'sg-backup' }, 'api')).toEqual([
      'components[0].backup_in_use: backup_in_use applies to components of kind load_balancer',
    ]);
    expect(lb({ check: 'other', header: 'X-Upstream', present: true })).toEqual([
      'components[0].backup_in_use.check: "other" is not one of this component\'s checks',
    ]);
    expect(
      lb({ check: 'edge', header: 'Via', present: true }, 'load_balancer', {
        id: 'edge',
        type: 'tcp',
        host: 'h',
        port: 1,
      }),
    ).toEqual(['components[0].backup_in_use.check: "edge" is not an http check: only http sees headers']);
  });
});
