import { describe, expect, it } from 'vitest';
import {
  componentOf,
  fieldsFor,
  fieldText,
  FORM_CHECK_TYPES,
  inFormOrder,
  targetOf,
  withField,
} from '../../src/renderer/src/config-form.ts';

const context = { regions: ['hk', 'sg'], components: ['hk-edge'], timezone: 'Asia/Hong_Kong' };

describe('config forms', () => {
  it('shows the target fields of the check’s type, and keeps an unknown type as a choice', () => {
    expect(fieldsFor('checks', { type: 'tcp' }, context).map((f) => f.key)).toEqual([
      'id',
      'name',
      'type',
      'host',
      'port',
      'interval',
      'timeout',
      'region',
    ]);
    const type = fieldsFor('checks', { type: 'postgres' }, context).find((f) => f.key === 'type')!;
    expect(type.options).toContain('postgres');
    expect(fieldsFor('alerts', { condition: 'latency' }, context).map((f) => f.key)).toContain('above');
  });

  it('turns input text into the value written: empty removes, numbers and lists are parsed, places are kept', () => {
    const fields = fieldsFor('checks', { type: 'tcp' }, context);
    const port = fields.find((f) => f.key === 'port')!;
    const host = fields.find((f) => f.key === 'host')!;
    let draft = withField({ id: 'a', type: 'tcp', host: 'x', region: 'hk' }, port, '8080');
    expect(draft).toEqual({ id: 'a', type: 'tcp', host: 'x', region: 'hk', port: 8080 });
    draft = withField(draft, host, ' y ');
    expect(Object.keys(draft)).toEqual(['id', 'type', 'host', 'region', 'port']);
    expect(withField(draft, port, 'eighty').port).toBe('eighty');
    expect(withField(draft, port, '')).not.toHaveProperty('port');
    const resolvers = fieldsFor('checks', { type: 'dns' }, context).find((f) => f.key === 'resolvers')!;
    expect(withField({}, resolvers, '192.0.2.53, 192.0.2.54:5353,')).toEqual({
      resolvers: ['192.0.2.53', '192.0.2.54:5353'],
    });
  });

  it('drops the old type’s target fields when the type changes', () => {
    const type = fieldsFor('checks', { type: 'http' }, context).find((f) => f.key === 'type')!;
    expect(withField({ id: 'a', type: 'http', url: 'http://x/', interval: '5s' }, type, 'tcp')).toEqual({
      id: 'a',
      type: 'tcp',
      interval: '5s',
    });
  });

  it('orders a new item as the form does, finds a check’s component and describes its target', () => {
    const fields = fieldsFor('checks', { type: 'tcp' }, context);
    expect(Object.keys(inFormOrder({ port: 1, type: 'tcp', extra: true, id: 'a' }, fields))).toEqual([
      'id',
      'type',
      'port',
      'extra',
    ]);
    expect(componentOf('a', [{ id: 'c', item: { id: 'c', checks: ['a'] } }])).toBe('c');
    expect(componentOf('b', [{ id: 'c', item: { id: 'c', checks: ['a'] } }])).toBeNull();
    expect(targetOf({ type: 'tcp', host: '10.0.0.1', port: 22 })).toBe('10.0.0.1:22');
  });

  it('gives every check type of the schema its target fields', () => {
    expect(FORM_CHECK_TYPES.sort()).toEqual(
      [
        'consistency',
        'dns',
        'heartbeat',
        'http',
        'mysql',
        'postgres',
        'prometheus',
        'redis',
        'route53_health',
        'tcp',
        'tls',
      ].sort(),
    );
    const keys = (type: string) => fieldsFor('checks', { type }, context).map((f) => f.key);
    expect(keys('postgres')).toEqual(
      expect.arrayContaining(['host', 'port', 'user', 'password_env', 'database', 'role']),
    );
    expect(keys('prometheus')).toEqual(
      expect.arrayContaining(['url', 'query', 'down_when', 'instances', 'bearer_token_env']),
    );
    expect(keys('route53_health')).toEqual(expect.arrayContaining(['health_check_id', 'secret_access_key_env']));
    expect(keys('consistency')).toEqual(expect.arrayContaining(['key', 'nodes', 'missing_ok']));
  });

  it('never shows a secret back, keeps it when left empty, and keeps env-var names as names', () => {
    const fields = fieldsFor('checks', { type: 'heartbeat' }, context);
    const token = fields.find((f) => f.key === 'token')!;
    const draft = { id: 'beat', type: 'heartbeat', token: 'a-secret-of-sixteen+', down_after: '5m' };
    expect(fieldText(token, draft)).toBe('');
    expect(withField(draft, token, '')).toEqual(draft);
    expect(withField(draft, token, 'another-secret-of-16').token).toBe('another-secret-of-16');
    const pg = fieldsFor('checks', { type: 'postgres' }, context).find((f) => f.key === 'password_env')!;
    expect(fieldText(pg, { password_env: 'PG_PASSWORD' })).toBe('PG_PASSWORD');
  });

  it('edits nested fields by path, and drops a nested map left empty', () => {
    const fields = fieldsFor('checks', { type: 'http' }, context);
    const user = fields.find((f) => f.key === 'basic_auth.username')!;
    const status = fields.find((f) => f.key === 'expect.status')!;
    let draft = withField({ id: 'a', type: 'http', expect: { body_contains: 'ok' } }, status, '200, 204');
    expect(draft.expect).toEqual({ body_contains: 'ok', status: [200, 204] });
    expect(fieldText(status, draft)).toBe('200, 204');
    draft = withField(draft, user, 'probe');
    expect(draft.basic_auth).toEqual({ username: 'probe' });
    expect(withField(draft, user, '')).not.toHaveProperty('basic_auth');
  });

  it('reads a consistency check’s nodes as kind://host:port, keeping a node’s other fields', () => {
    const nodes = fieldsFor('checks', { type: 'consistency' }, context).find((f) => f.key === 'nodes')!;
    const old = { nodes: [{ kind: 'redis', host: '10.0.0.1', port: 6379, password_env: 'REDIS_PW' }] };
    expect(fieldText(nodes, old)).toBe('redis://10.0.0.1:6379');
    expect(withField(old, nodes, 'redis://10.0.0.1:6379, memcached://10.0.0.2').nodes).toEqual([
      { kind: 'redis', host: '10.0.0.1', port: 6379, password_env: 'REDIS_PW' },
      { kind: 'memcached', host: '10.0.0.2' },
    ]);
    expect(withField(old, nodes, 'mongo://x').nodes).toBe('mongo://x');
  });

  it('enters a maintenance window’s times in the board’s time zone and writes them with its offset', () => {
    const fields = fieldsFor('maintenance', {}, context);
    expect(fields.map((f) => f.key)).toEqual([
      'id',
      'name',
      'checks',
      'components',
      'regions',
      'schedule',
      'start',
      'end',
    ]);
    const start = fields.find((f) => f.key === 'start')!;
    const draft = withField({ id: 'w' }, start, '2026-12-06 02:00');
    expect(draft.start).toBe('2026-12-06T02:00:00+08:00');
    expect(fieldText(start, { start: '2026-12-05T18:00:00Z' })).toBe('2026-12-06 02:00');
    // Not a time: kept as typed, for the schema to refuse beside the field.
    expect(withField({}, start, '6 Dec 2am').start).toBe('6 Dec 2am');
    const schedule = fields.find((f) => f.key === 'schedule')!;
    const recurring = withField({ id: 'w', start: 'x', end: 'y' }, schedule, 'recurring');
    expect(recurring).toEqual({ id: 'w', every: { at: '02:00', for: '1h', timezone: 'Asia/Hong_Kong' } });
    expect(fieldsFor('maintenance', recurring, context).map((f) => f.key)).toContain('every.at');
    expect(withField(recurring, schedule, 'one-off')).toEqual({ id: 'w' });
  });
});
