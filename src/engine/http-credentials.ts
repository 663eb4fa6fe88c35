/**
 * The Authorization header for credentials a config names by environment variable (a bearer
 * token, or basic auth's password), as Prometheus's and Alertmanager's http_config send them.
 * Read at each use, so a rotated secret is used without a reload and never sits in the config.
 */
type Env = Readonly<Record<string, string | undefined>>;

export interface HttpCredentials {
  bearer_token_env?: string;
  basic_auth?: { username: string; password_env: string };
}

export type Authorization = { ok: true; header: string | null } | { ok: false; missing: string };

export function authorizationHeader(credentials: HttpCredentials, env: Env): Authorization {
  if (credentials.bearer_token_env !== undefined) {
    const token = env[credentials.bearer_token_env];
    return token ? { ok: true, header: `Bearer ${token}` } : { ok: false, missing: credentials.bearer_token_env };
  }
  if (credentials.basic_auth) {
    const { username, password_env } = credentials.basic_auth;
    const password = env[password_env];
    if (!password) return { ok: false, missing: password_env };
    return { ok: true, header: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  }
  return { ok: true, header: null };
}
