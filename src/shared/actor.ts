/**
 * Who is calling: set by the entry point (HTTP server, Electron IPC, the agent door, the CLI)
 * from the identity it authenticated, never from request parameters. The engine checks the role
 * again and records the actor in every audit line, incident event and failover step.
 */
import { z } from 'zod';

/**
 * viewer < operator < admin; `agent` is a probe agent and `webhook` an Alertmanager posting to
 * its door: both rank beside the people's roles, not above, and only call their own methods.
 */
export const ROLES = ['viewer', 'operator', 'admin', 'agent', 'webhook'] as const;
export type Role = (typeof ROLES)[number];
/** The roles a person (or a person's token) may hold. */
export const PERSON_ROLES = ['viewer', 'operator', 'admin'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

/** The ways in. */
export type EntryPoint = 'http' | 'ipc' | 'agent' | 'cli';

export const ActorSchema = z.strictObject({
  /** Stable: `user:alice`, `oidc:<sub>`, `token:<id>`, `kiosk:<id>`, `os:<login>`, `agent:<vantage>`. */
  id: z.string().min(1).max(300),
  /** For people: a user's display name, a token's name, the OS login. */
  name: z.string().min(1).max(200),
  via: z.enum(['http', 'ipc', 'agent', 'cli']),
  role: z.enum(ROLES),
});
export type Actor = z.infer<typeof ActorSchema>;

/** What audits keep of an actor: who, and the way in (the role is the rule, not the record). */
export type ActorRef = Pick<Actor, 'id' | 'name' | 'via'>;

export function actorRef(actor: Actor): ActorRef {
  return { id: actor.id, name: actor.name, via: actor.via };
}

const RANK: Record<PersonRole, number> = { viewer: 0, operator: 1, admin: 2 };

function isPersonRole(role: Role): role is PersonRole {
  return role in RANK;
}

/** Whether a caller holding `have` may call a method that needs `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  if (!isPersonRole(need) || !isPersonRole(have)) return have === need;
  return RANK[have] >= RANK[need];
}

/** Why a caller may not call a method that needs `need`; null when it may. */
export function roleRefusal(method: string, need: Role, actor: Pick<Actor, 'name' | 'role'>): string | null {
  if (roleAllows(actor.role, need)) return null;
  return `${method} needs the ${need} role; ${actor.name} is ${actor.role === 'viewer' ? 'a' : 'an'} ${actor.role}`;
}
