/**
 * Single sign-on with OpenID Connect: authorization code with PKCE (S256), state and nonce, by
 * openid-client. The role comes from a claim (groups by default) mapped in the config; a user
 * whose groups map to no role is refused. Pending sign-ins wait server-side (bounded, ten
 * minutes) under a random id in a short-lived cookie.
 */
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Actor, PersonRole } from '../../shared/actor.ts';
import type { OidcConfig } from '../../shared/config/auth.ts';
import type { Clock } from '../../engine/clock.ts';
import { isLoopbackHost } from '../client-address.ts';

export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';
export const OIDC_PENDING_COOKIE = 'knockon_oidc';
const PENDING_MS = 10 * 60_000;
const MAX_PENDING = 1_000;

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  at: number;
}

/** The highest role any of the user's groups gives; `*` in a list matches everyone. Null for none. */
export function roleFromClaims(claims: Record<string, unknown>, config: OidcConfig): PersonRole | null {
  const value = claims[config.role_claim];
  const groups = new Set(Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    if (config.roles[role].some((g) => g === '*' || groups.has(g))) return role;
  }
  return null;
}

export class OidcSignIn {
  private readonly pending = new Map<string, Pending>();
  private readonly configuration: client.Configuration;
  private readonly config: OidcConfig;
  private readonly clock: Clock;

  private constructor(configuration: client.Configuration, config: OidcConfig, clock: Clock) {
    this.configuration = configuration;
    this.config = config;
    this.clock = clock;
  }

  /** Reads the provider's discovery document; throws naming the issuer when it cannot. */
  static async create(config: OidcConfig, clock: Clock, env: NodeJS.ProcessEnv): Promise<OidcSignIn> {
    const secret = config.client_secret_env ? env[config.client_secret_env] : undefined;
    if (config.client_secret_env && !secret) {
      throw new Error(`auth.oidc.client_secret_env: ${config.client_secret_env} is not set`);
    }
    const issuer = new URL(config.issuer);
    // Plain HTTP only to a provider on this machine (a test, or a sidecar): never across a network.
    const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
    try {
      const configuration = await client.discovery(
        issuer,
        config.client_id,
        secret,
        secret ? client.ClientSecretBasic(secret) : client.None(),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      return new OidcSignIn(configuration, config, clock);
    } catch (error) {
      throw new Error(
        `auth.oidc.issuer: cannot read ${config.issuer}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  private redirectUri(): string {
    return new URL(OIDC_CALLBACK_PATH, this.config.board_url).href;
  }

  /** Where to send the browser, and the id to keep in its pending cookie. */
  async start(): Promise<{ url: string; pendingId: string }> {
    const now = this.clock.now();
    for (const [id, p] of this.pending) if (now - p.at > PENDING_MS) this.pending.delete(id);
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    const verifier = client.randomPKCECodeVerifier();
    const pending: Pending = { verifier, state: client.randomState(), nonce: client.randomNonce(), at: now };
    const pendingId = randomBytes(24).toString('base64url');
    this.pending.set(pendingId, pending);
    const url = client.buildAuthorizationUrl(this.configuration, {
      redirect_uri: this.redirectUri(),
      scope: this.config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pendingId };
  }

  /** The signed-in actor from the provider's answer, or an error fit to show the person. */
  async finish(callbackUrl: URL, pendingId: string | null): Promise<{ actor: Actor } | { error: string }> {
    const pending = pendingId ? this.pending.get(pendingId) : undefined;
    if (pendingId) this.pending.delete(pendingId);
    if (!pending || this.clock.now() - pending.at > PENDING_MS) {
      return { error: 'this sign-in was not started here or took too long; start again' };
    }
    try {
      const current = new URL(callbackUrl.pathname + callbackUrl.search, this.redirectUri());
      const tokens = await client.authorizationCodeGrant(this.configuration, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      const idClaims: Record<string, unknown> = tokens.claims() ?? {};
      const sub = String(idClaims.sub ?? '');
      // Providers put scope claims (groups, name) in userinfo rather than the ID token.
      const info = await client.fetchUserInfo(this.configuration, tokens.access_token, sub);
      const claims: Record<string, unknown> = { ...idClaims, ...info };
      const role = roleFromClaims(claims, this.config);
      const name = String(claims.name ?? claims.preferred_username ?? claims.email ?? sub).slice(0, 200);
      if (!role) return { error: `${name}: none of your ${this.config.role_claim} gives a role on this board` };
      return { actor: { id: `oidc:${sub}`.slice(0, 300), name, via: 'http', role } };
    } catch (error) {
      return { error: `single sign-on failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
