import { hashPassword } from '../../src/server/auth/passwords.ts';

export interface TestUser {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  password: string;
}

/** An admin and an operator, as the sign-in and access tests meet them. */
export const ANA_AND_OLU: readonly TestUser[] = [
  { id: 'ana', name: 'Ana Lima', role: 'admin', password: 'admin pass' },
  { id: 'olu', name: 'Olu Bello', role: 'operator', password: 'operator pass' },
];

/** The config's `auth:` section for these local users (their passwords hashed, as an admin would). */
export async function authSection(users: readonly TestUser[]): Promise<string> {
  const lines = await Promise.all(
    users.map(
      async (u) =>
        `    - { id: ${u.id}, name: ${u.name}, role: ${u.role}, password_hash: '${await hashPassword(u.password)}' }`,
    ),
  );
  return `\nauth:\n  users:\n${lines.join('\n')}\n`;
}
