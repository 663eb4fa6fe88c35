/** What the board sees of API tokens and kiosk links (never the secrets, but once at creation). */
import { z } from 'zod';
import { ActorSchema, type PersonRole } from './actor.ts';

export interface ApiTokenView {
  id: string;
  name: string;
  role: PersonRole;
  userId: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface KioskLinkView {
  id: string;
  name: string;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}

/** A new secret, shown once: the token, or the kiosk link's path (`/auth/kiosk/<secret>`). */
export interface CreatedSecret {
  id: string;
  secret: string;
}

/** Where a wall opens its kiosk link. */
export const KIOSK_PATH = '/auth/kiosk/';

/** Where a browser asks who it is signed in as (every headless board answers it). */
export const AUTH_ME_PATH = '/auth/me';

/**
 * The answer at /auth/me. `open`: no `auth:` configured, so anyone who reaches the board (on
 * loopback) sees it and actions need the board token; `signed-out` (HTTP 401): the sign-in form,
 * with single sign-on when `sso`; `signed-in`: who.
 */
export const AuthMeSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('open') }),
  z.strictObject({ mode: z.literal('signed-out'), sso: z.boolean() }),
  z.strictObject({ mode: z.literal('signed-in'), actor: ActorSchema }),
]);
export type AuthMe = z.infer<typeof AuthMeSchema>;
