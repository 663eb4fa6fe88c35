/** `knockon hash-password`: a password on stdin, its hash for auth.users[].password_hash on stdout. */
import { hashPassword } from '../server/auth/passwords.ts';
import type { CliIo } from './agent-commands.ts';

export async function hashPasswordCommand(io: CliIo): Promise<number> {
  // Read from stdin, never from an argument: arguments show in `ps` and shell history.
  const password = (await io.readStdin()).replace(/\r?\n$/, '');
  if (!password) {
    io.err('hash-password: give the password on stdin (printf %s "$PASSWORD" | knockon hash-password)');
    return 2;
  }
  io.out(await hashPassword(password));
  return 0;
}
