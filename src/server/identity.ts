/**
 * Who a request to the headless board comes from. The server asks its Identifier once per API
 * request and hands the Actor to the engine with the call; nothing the request says about itself
 * (parameters, headers other than credentials) is taken as identity.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Actor } from '../shared/actor.ts';

export interface Identifier {
  /** The caller, or null when the request carries no valid credentials and anonymity is not allowed. */
  identify(req: IncomingMessage): Actor | null | Promise<Actor | null>;
  /** Calls `listener` after credentials were revoked (a token, a kiosk link); returns the unsubscribe. */
  onRevoked?(listener: () => void): () => void;
}

/** Someone who showed no credentials, where the board lets them see (no `auth:` configured). */
export const ANONYMOUS_VIEWER: Actor = { id: 'anonymous', name: 'anonymous', via: 'http', role: 'viewer' };
/** The agent door's caller; which agent it is, the engine learns from its token. */
export const AGENT_CALLER: Actor = { id: 'agent', name: 'probe agent', via: 'agent', role: 'agent' };
/** Alertmanager posting to its webhook door; the engine checks the credentials alertmanager_in names. */
export const ALERTMANAGER_CALLER: Actor = { id: 'alertmanager', name: 'Alertmanager', via: 'http', role: 'webhook' };
/** The server itself reading the engine's health for /metrics. */
export const METRICS_READER: Actor = { id: 'server:metrics', name: 'metrics exporter', via: 'http', role: 'viewer' };
/** Whoever sends the board token (printed by `knockon serve`): an admin, with or without `auth:`. */
export const BOARD_TOKEN_ADMIN: Actor = { id: 'token:board', name: 'board token', via: 'http', role: 'admin' };

/** The token of an `Authorization: Bearer <token>` header (RFC 9110: the scheme is case-insensitive). */
export function bearerToken(header: string | undefined): string | null {
  return /^bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;
}

/** Constant-time comparison, so a secret cannot be guessed byte by byte from timings. */
export function secretMatches(given: string | null, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Without `auth:` (one person, one machine, loopback): the generated board token is an admin,
 * anyone else a viewer, as the board always was.
 */
export function boardTokenIdentifier(token: string): Identifier {
  return {
    identify: (req) =>
      secretMatches(bearerToken(req.headers.authorization), token) ? BOARD_TOKEN_ADMIN : ANONYMOUS_VIEWER,
  };
}
