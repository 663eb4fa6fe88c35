import type { ErrorClass } from '../../shared/model.ts';
import type { HttpCheckConfig } from '../../shared/config/http-check.ts';
import type { HeaderMatch } from '../../shared/config/header-match.ts';

type Expect = HttpCheckConfig['expect'];
type Mismatch = { errorClass: ErrorClass; message: string };

const regexCache = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source);
    regexCache.set(source, re);
  }
  return re;
}

/**
 * Checks the response headers against `expect.headers`, in the order written; null when all
 * hold. `headers` has lower-case names, repeated headers joined with ", " (RFC 9110).
 */
export function matchHeaders(expected: Expect['headers'], headers: Readonly<Record<string, string>>): Mismatch | null {
  for (const [name, want] of Object.entries(expected ?? {})) {
    const value = headers[name.toLowerCase()];
    if (headerMeets(want, value)) continue;
    const shown = value === undefined ? 'absent' : `"${value.slice(0, 120)}"`;
    return { errorClass: 'header_mismatch', message: `header ${name} is ${shown}, expected ${expectation(want)}` };
  }
  return null;
}

function expectation(want: HeaderMatch): string {
  if (want.present) return 'present';
  if (want.absent) return 'absent';
  return want.equals !== undefined ? `"${want.equals}"` : `to match /${want.matches}/`;
}

/** Whether a header value meets one expectation (equals, matches, present or absent). */
export function headerMeets(want: HeaderMatch, value: string | undefined): boolean {
  if (want.present) return value !== undefined;
  if (want.absent) return value === undefined;
  if (want.equals !== undefined) return value === want.equals;
  return want.matches !== undefined && value !== undefined && regex(want.matches).test(value);
}

/** Follows a dotted path ("checks.db.status", "items.0.id") into parsed JSON. */
export function jsonPath(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Equal as JSON scalars; a string expectation also matches a number or boolean with the same
 * text, because YAML users write `code: 200` and `code: "200"` interchangeably.
 */
function jsonEquals(actual: unknown, expected: string | number | boolean | null): boolean {
  if (actual === expected) return true;
  if (typeof expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean')) {
    return String(actual) === expected;
  }
  return false;
}

/** Checks the body expectations in order (substring, regex, JSON); null when all hold. */
export function matchBody(expect: Expect, body: Buffer, truncated: boolean, cap: number): Mismatch | null {
  if (expect.body_contains === undefined && expect.body_regex === undefined && expect.json === undefined) return null;
  const text = body.toString('utf8');
  const tooLarge = (what: string): Mismatch => ({
    errorClass: 'body_too_large',
    message: `${what} not found in the first ${cap} bytes (the body is larger)`,
  });
  if (expect.body_contains !== undefined && !text.includes(expect.body_contains)) {
    return truncated
      ? tooLarge(`"${expect.body_contains}"`)
      : { errorClass: 'body_mismatch', message: `body does not contain "${expect.body_contains}"` };
  }
  if (expect.body_regex !== undefined && !regex(expect.body_regex).test(text)) {
    return truncated
      ? tooLarge(`/${expect.body_regex}/`)
      : { errorClass: 'body_mismatch', message: `body does not match /${expect.body_regex}/` };
  }
  if (expect.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return truncated
        ? tooLarge('a complete JSON document')
        : { errorClass: 'json_mismatch', message: 'body is not JSON' };
    }
    for (const [path, expected] of Object.entries(expect.json)) {
      const actual = jsonPath(parsed, path);
      if (!jsonEquals(actual, expected)) {
        const shown = actual === undefined ? 'missing' : JSON.stringify(actual)?.slice(0, 80);
        return { errorClass: 'json_mismatch', message: `${path} is ${shown}, expected ${JSON.stringify(expected)}` };
      }
    }
  }
  return null;
}
