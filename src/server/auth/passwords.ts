/**
 * Password hashes with scrypt from node:crypto: memory-hard, so a stolen config or database is
 * slow to attack on GPUs. Stored as `scrypt$N$r$p$salt$key` (base64url), so the cost can be
 * raised later without breaking older hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PASSWORD_HASH } from '../../shared/config/auth.ts';

/** OWASP's scrypt minimum (N=2^17 r=8 p=1 costs 128 MiB; 2^15 keeps a small board's login fast). */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST.N, COST.r, COST.p);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether the password matches the hash; compared in constant time. False for a malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!PASSWORD_HASH.test(hash)) return false;
  const [, n, r, p, salt, key] = hash.split('$') as [string, string, string, string, string, string];
  const N = Number(n);
  // A hash from a config is input: a cost that would take minutes or gigabytes is refused.
  if (N > 2 ** 20 || Number(r) > 32 || Number(p) > 16 || (N & (N - 1)) !== 0) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), N, Number(r), Number(p)).catch(() => null);
  return actual !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
}
