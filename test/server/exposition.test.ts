import { describe, expect, it } from 'vitest';
import { Exposition, Family, labelText, withLabel, writeValue, type Text } from '../../src/server/exposition.ts';

const text = (t: Text) => Buffer.from(t.bytes).toString();

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

  it('keeps a family’s text while its samples stay the same, and rewrites no text a response still sends', () => {
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
    // Being sent: whatever changes meanwhile goes elsewhere.
    const sending = new Exposition([first]);
    sending.retain();
    const seen = new Set<Text>([first]);
    for (let i = 0; i < 6; i++) {
      const next = scrape(i % 2, i);
      seen.add(next);
      expect(next).not.toBe(first);
      expect(text(next)).toContain(`probe_success{check="a"} ${i % 2}\nprobe_success{check="b"} ${i}\n`);
    }
    expect(text(first)).toBe(copy);
    expect(Buffer.concat(sending.chunks).toString()).toBe(copy);
    // Texts no response holds are reused: a few buffers, not one per scrape.
    expect(seen.size).toBeLessThanOrEqual(4);
    sending.release();
    const reused = new Set<Text>();
    for (let i = 0; i < 6; i++) reused.add(scrape(i % 2, 100 + i));
    expect(reused.has(first)).toBe(true);
    // The same values in another order are another text.
    family.push(b, 105);
    family.push(a, 1);
    expect(text(family.end())).toContain('probe_success{check="b"} 105\nprobe_success{check="a"} 1\n');
    const whole = new Exposition([family.end(), family.end()]);
    expect(whole.length).toBe(2 * family.end().bytes.length);
  });

  it('writes every value so that it reads back as the same number', () => {
    const spelled = (value: number) => {
      const out = Buffer.alloc(32);
      return out.subarray(0, writeValue(out, 0, value)).toString('latin1');
    };
    expect(spelled(0)).toBe('0');
    expect(spelled(-0)).toBe('0');
    expect(spelled(1)).toBe('1');
    expect(spelled(200)).toBe('200');
    expect(spelled(0.0123)).toBe('0.0123');
    expect(spelled(0.000001)).toBe('0.000001');
    expect(spelled(-2.5)).toBe('-2.5');
    expect(spelled(1_764_912_345.123)).toBe('1764912345.123');
    expect(spelled(2_147_483_648)).toBe('2147483648');
    expect(spelled(1e-7)).toBe('1e-7');
    expect(spelled(Number.NaN)).toBe('NaN');
    expect(spelled(-Infinity)).toBe('-Inf');
    // Microsecond values, raw doubles, large and tiny ones, negative ones: all read back exactly.
    let seed = 7;
    const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647) * 2 - 1;
    for (let i = 0; i < 20_000; i++) {
      const raw = random() * 10 ** Math.floor(random() * 12);
      for (const value of [raw, Math.round(raw * 1e6) / 1e6, Math.round(raw * 1000) / 1e6]) {
        expect(Number(spelled(value)) === value, `${value}`).toBe(true);
      }
    }
  });
});
