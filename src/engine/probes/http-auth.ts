import type { ResolvedCheck } from '../checks.ts';

type HttpCheck = Extract<ResolvedCheck, { type: 'http' }>;

export type HttpRequestTarget =
  | { ok: true; url: URL; headers: Record<string, string> }
  /** A secret the check refers to is not set: the observer cannot probe, the target is not judged. */
  | { ok: false; message: string };

function secret(env: Readonly<Record<string, string | undefined>>, name: string): string | null {
  const value = env[name];
  return value === undefined || value === '' ? null : value;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * The URL and headers one probe sends, with the credentials a check names: userinfo in its URL
 * becomes Basic authentication (undici never sends userinfo itself), and `basic_auth`,
 * `headers_env` and `query_env` are read from the environment at probe time, so a rotated
 * secret is used without a reload and never sits in the config, the board or the database.
 * An explicit Authorization header wins over userinfo in the URL.
 */
export function httpRequestTarget(
  check: HttpCheck,
  baseHeaders: Record<string, string>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): HttpRequestTarget {
  const url = new URL(check.url);
  const headers: Record<string, string> = { ...baseHeaders, ...check.headers };
  for (const [header, name] of Object.entries(check.headers_env)) {
    const value = secret(env, name);
    if (value === null) return missing(name, `headers_env.${header}`);
    headers[header] = value;
  }
  for (const [param, name] of Object.entries(check.query_env)) {
    const value = secret(env, name);
    if (value === null) return missing(name, `query_env.${param}`);
    // Appended as written rather than through searchParams, which would re-encode the query the check wrote.
    const pair = `${encodeURIComponent(param)}=${encodeURIComponent(value)}`;
    url.search = url.search.length > 1 ? `${url.search}&${pair}` : `?${pair}`;
  }
  let user: string | null = null;
  let password = '';
  if (check.basic_auth) {
    const value = secret(env, check.basic_auth.password_env);
    if (value === null) return missing(check.basic_auth.password_env, 'basic_auth.password_env');
    user = check.basic_auth.username;
    password = value;
  } else if (url.username !== '' || url.password !== '') {
    user = decoded(url.username);
    password = decoded(url.password);
  }
  url.username = '';
  url.password = '';
  const hasAuthorization = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if (user !== null && !hasAuthorization) {
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  return { ok: true, url, headers };
}

function missing(name: string, field: string): HttpRequestTarget {
  return { ok: false, message: `environment variable ${name} (${field}) is not set: the check cannot be probed` };
}
