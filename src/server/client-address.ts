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

/** Whether a host name or address (as given to --host, or a URL's hostname) is this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopback(host.replace(/^\[|\]$/g, ''));
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

/**
 * Whether an Origin header names this very board: the Host the request was sent to, port
 * included. SameSite counts every port of a host as one site, so a page served on another port
 * of the same machine carries the board's cookies; its Origin is what gives it away. The scheme
 * is not compared: behind a TLS-terminating proxy on this machine the board speaks plain HTTP
 * to pages served over HTTPS, and no other server can answer on the board's own port.
 */
export function isOwnOrigin(origin: string, host: string | undefined): boolean {
  const from = URL.parse(origin);
  if (!from || (from.protocol !== 'http:' && from.protocol !== 'https:') || !host) return false;
  // The Host read with the Origin's scheme, so a default port written out (`:443`) still matches.
  const own = URL.parse(`${from.protocol}//${host}`);
  return own !== null && own.host === from.host && hostNameOf(host) !== null;
}
