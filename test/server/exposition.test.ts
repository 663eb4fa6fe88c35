import { describe, expect, it } from 'vitest';
import { Exposition, Family, labelText, withLabel } from '../../src/server/exposition.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

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
    expect(text(family.end())).toBe(
      '# HELP probe_duration_seconds How long\\nit took\n# TYPE probe_duration_seconds gauge\n' +
        'probe_duration_seconds{check="a"} 0.125\nprobe_duration_seconds{check="b"} +Inf\n' +
        'probe_duration_seconds NaN\nprobe_duration_seconds -Inf\n',
    );
    expect(text(family.end())).toBe(
      '# HELP probe_duration_seconds How long\\nit took\n# TYPE probe_duration_seconds gauge\n',
    );
  });

  it('keeps a family’s text while its samples stay the same, and never rewrites a text it handed out', () => {
    const family = new Family('probe_success', 'gauge', 'Whether it worked');
    const a = family.series(labelText({ check: 'a' }));
    const b = family.series(labelText({ check: 'b' }));
    const scrape = (va: number, vb: number) => {
      family.push(a, va);
      family.push(b, vb);
      return family.end();
    };
    const first = scrape(1, Number.NaN);
    const copy = text(first);
    expect(scrape(1, Number.NaN)).toBe(first);
    const changed = scrape(0, Number.NaN);
    expect(changed).not.toBe(first);
    expect(text(first)).toBe(copy);
    expect(text(changed)).toContain('probe_success{check="a"} 0\nprobe_success{check="b"} NaN\n');
    // The same values in another order are another text.
    family.push(b, Number.NaN);
    family.push(a, 0);
    expect(text(family.end())).toContain('probe_success{check="b"} NaN\nprobe_success{check="a"} 0\n');
    const exposition = new Exposition([first, changed]);
    expect(exposition.length).toBe(first.length + changed.length);
    expect(exposition.toString()).toBe(copy + text(changed));
  });
});
