import type { ErrorClass } from '../../shared/model.ts';
import type { HttpCheckConfig } from '../../shared/config/http-check.ts';

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
