import { describe, expect, it } from 'vitest';
import { componentOf, fieldsFor, inFormOrder, targetOf, withField } from '../../src/renderer/src/config-form.ts';

const context = { regions: ['hk', 'sg'], components: ['hk-edge'] };

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
});
