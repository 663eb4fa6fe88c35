/**
 * Secrets written into URLs (`https://user:pass@host/`, `?apikey=…`) are hidden wherever a URL is
 * shown or stored: the board's target, result messages, history rows, incidents, logs. The probe
 * itself still uses the real URL; this is only ever applied to what people and files see.
 *
 * String surgery rather than URL parsing and re-serialising: the redacted form keeps the rest of
 * the URL byte for byte, so a target compared across restarts (history restore) or reloads
 * (state kept) still matches, and text that is not quite a URL is still redacted.
 */

export const REDACTED = '***';

/**
 * Query (and fragment) parameter names whose values are secrets. Names are compared lowercased
 * with `-` and `_` removed, so `api_key`, `API-Key` and `apiKey` are one name; a name that ends
 * with one of SUFFIXES (`x-amz-security-token`, `client_secret`) counts too.
 */
const EXACT = new Set(['key', 'sig', 'auth', 'pass', 'pwd', 'passwd', 'jwt', 'session', 'sessionid']);
const SUFFIXES = ['apikey', 'token', 'password', 'secret', 'signature', 'credential', 'credentials', 'accesskey'];

export function isSecretParam(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return EXACT.has(n) || SUFFIXES.some((suffix) => n.endsWith(suffix));
}

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** `a=1&apikey=s` → `a=1&apikey=***`; pieces without `=` and harmless names stay as written. */
function redactParams(params: string): string {
  return params
    .split('&')
    .map((piece) => {
      const eq = piece.indexOf('=');
      if (eq < 0 || eq === piece.length - 1) return piece;
      return isSecretParam(decodedName(piece.slice(0, eq))) ? `${piece.slice(0, eq + 1)}${REDACTED}` : piece;
    })
    .join('&');
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** One URL with its userinfo replaced by `***@` and its secret parameter values by `***`. */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url);
  let rest = url;
  let head = '';
  if (scheme) {
    head = scheme[0];
    rest = url.slice(head.length);
    // The authority ends at the first / ? # or \ ; its userinfo is everything up to the last @.
    const end = rest.search(/[/?#\\]/);
    const authority = end < 0 ? rest : rest.slice(0, end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) rest = `${REDACTED}@${rest.slice(at + 1)}`;
  }
  const hash = rest.indexOf('#');
  const beforeHash = hash < 0 ? rest : rest.slice(0, hash);
  const fragment = hash < 0 ? '' : `#${redactParams(rest.slice(hash + 1))}`;
  const query = beforeHash.indexOf('?');
  const redacted =
    query < 0 ? beforeHash : `${beforeHash.slice(0, query + 1)}${redactParams(beforeHash.slice(query + 1))}`;
  return head + redacted + fragment;
}

/** URLs as they appear in free text (error messages): up to whitespace, quotes or brackets. */
const URL_IN_TEXT = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g;

/** Every URL in a message, redacted; text without `://` is returned as it is. */
export function redactText(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (match) => {
    // Punctuation that ends a sentence is not part of the URL (nor of a secret's value).
    const url = match.replace(/[.,;:!?)\]]+$/, '');
    return redactUrl(url) + match.slice(url.length);
  });
}

/** A probe result as it may be shown and stored; the same object when there was nothing to hide. */
export function redactResult<T extends { message: string; finalUrl?: string }>(result: T): T {
  const message = redactText(result.message);
  const finalUrl = result.finalUrl === undefined ? undefined : redactUrl(result.finalUrl);
  if (message === result.message && finalUrl === result.finalUrl) return result;
  return { ...result, message, ...(finalUrl === undefined ? {} : { finalUrl }) };
}
