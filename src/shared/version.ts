/**
 * The Knockon release this code is (package.json's version): what an agent says it runs, and what
 * the centre shows as this machine's and compares a refused agent's with.
 */
import pkg from '../../package.json' with { type: 'json' };

export const KNOCKON_VERSION: string = pkg.version;

/**
 * Orders two release numbers by their major.minor.patch (anything after is ignored): negative
 * when `a` is older, positive when newer, 0 when the same; null when either is not of that form.
 */
export function compareVersions(a: string, b: string): number | null {
  const parse = (v: string) => /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:$|[-+])/.exec(v)?.slice(1).map(Number);
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
