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
      'checks[0].type: expected "type" to be one of: http, dns, tcp, tls, heartbeat, postgres, mysql, redis, consistency',
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
    expect(issues([{ id: 'a', type: 'tcp', host: 'h', port: 1, interval: '100ms' }])[0]).toContain('must not exceed');
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
