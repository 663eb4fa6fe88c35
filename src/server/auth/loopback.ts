import { isLoopback } from '../client-address.ts';

/** Whether a host name or address (as given to --host, or in a URL) is this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopback(host.replace(/^\[|\]$/g, ''));
}
