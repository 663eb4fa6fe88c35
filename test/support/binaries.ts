import { existsSync } from 'node:fs';

/** Where Debian (or a local install) put a server binary the tests start, or null. */
export function findSbin(name: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}
