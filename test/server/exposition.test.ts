import { describe, expect, it } from 'vitest';
import { Family, labelText, withLabel, Writer } from '../../src/server/exposition.ts';

describe('Prometheus text exposition', () => {
  it('escapes label values a hostile check name could break the format with', () => {
    expect(labelText({ check: 'a"b\\c\nd', region: '' })).toBe('{check="a\\"b\\\\c\\nd",region=""}');
    expect(withLabel(labelText({ check: 'x' }), 'phase', 'tls')).toBe('{check="x",phase="tls"}');
    expect(withLabel('', 'quantile', '0.5')).toBe('{quantile="0.5"}');
  });

  it('writes HELP and TYPE, then one line per sample, with +Inf, -Inf and NaN spelled as Prometheus reads them', () => {
    const family = new Family('probe_duration_seconds', 'gauge', 'How long\nit took');
    family.add(labelText({ check: 'a' }), 0.125);
    family.add(labelText({ check: 'b' }), Infinity);
    family.add('', Number.NaN);
    family.add('', -Infinity);
    const out = new Writer(8);
    family.writeTo(out);
    expect(out.result().toString()).toBe(
      '# HELP probe_duration_seconds How long\\nit took\n# TYPE probe_duration_seconds gauge\n' +
        'probe_duration_seconds{check="a"} 0.125\nprobe_duration_seconds{check="b"} +Inf\n' +
        'probe_duration_seconds NaN\nprobe_duration_seconds -Inf\n',
    );
    family.reset();
    const again = new Writer();
    family.writeTo(again);
    expect(again.result().toString()).toBe(
      '# HELP probe_duration_seconds How long\\nit took\n# TYPE probe_duration_seconds gauge\n',
    );
  });
});
