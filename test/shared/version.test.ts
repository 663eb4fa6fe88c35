import { describe, expect, it } from 'vitest';
import { compareVersions, KNOCKON_VERSION } from '../../src/shared/version.ts';

describe('release numbers', () => {
  it('orders major.minor.patch as numbers, ignores what follows, and refuses other forms', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBeGreaterThan(0);
    expect(compareVersions('1.2.3', '1.2.4')).toBeLessThan(0);
    expect(compareVersions('v2.0.0', '2.0.0')).toBe(0);
    expect(compareVersions('2.0.0-rc.1', '2.0.0+build.5')).toBe(0);
    for (const odd of ['2.0', '2.0.0.', 'x', '', '1.2.3x', '1\n2.3.4'])
      expect(compareVersions(odd, '1.0.0')).toBeNull();
  });

  it("is package.json's version, a release number", () => {
    expect(compareVersions(KNOCKON_VERSION, KNOCKON_VERSION)).toBe(0);
  });
});
