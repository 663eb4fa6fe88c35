/** What the board sees of API tokens and kiosk links (never the secrets, but once at creation). */
import type { PersonRole } from './actor.ts';

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
