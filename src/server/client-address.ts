/**
 * Who a board client is, as far as its socket says: the key its stream slots are counted under,
 * and whether it is this machine. Also the host names a request may address the board by.
 */

/** The eight groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  const parts = address.split('::');
  if (parts.length > 2) return null;
  const split = (s: string | undefined) => (s ? s.split(':') : []);
  const head = split(parts[0]);
  const tail = split(parts[1]);
  const missing = 8 - head.length - tail.length;
  if (parts.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(parts.length === 1 ? 0 : missing).fill('0'), ...tail];
  const numbers = groups.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  return numbers.some(Number.isNaN) ? null : numbers;
}

function unmapped(address: string): string {
  return /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1] ?? address;
}

/**
 * The key one client's streams are counted under. One IPv6 host usually owns a whole /64 and
 * can pick any address in it, so IPv6 clients are counted per /64, IPv4 clients per address.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const plain = unmapped(address.split('%')[0]!);
  if (!plain.includes(':')) return plain;
  const groups = ipv6Groups(plain);
  return groups
    ? `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(':')}::/64`
    : plain;
}

/** This machine: 127.0.0.0/8 or ::1 (packets from elsewhere with those sources are dropped). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = unmapped(address);
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain)) return true;
  const groups = ipv6Groups(plain);
  return groups !== null && groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
const HOST = new RegExp(`^(\\[[0-9a-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)\\.?(?::(\\d{1,5}))?$`, 'i');

/**
 * The name part of a Host header value (`name`, `name:port`, `[v6]:port`), lower-cased, or null
 * when it is not a plain host. Strict on purpose: `evil.example@127.0.0.1` or `localhost/x` would
 * pass a URL parser as loopback names.
 */
export function hostNameOf(value: string): string | null {
  const match = HOST.exec(value);
  return match ? match[1]!.toLowerCase() : null;
}

/** The name part of an Origin header (`http://name:port`), or null for `null` and other schemes. */
export function originHostName(origin: string): string | null {
  const url = URL.parse(origin);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  return hostNameOf(url.host);
}
