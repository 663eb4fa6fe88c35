/**
 * One memcached `get` over the text protocol. Written here rather than taken from a client
 * library: it is a single request and reply (documented in memcached's protocol.txt), and the
 * npm clients either pool connections behind the probe's back or have gone unmaintained.
 */
import { connect, type Socket } from 'node:net';
import type { DataSession } from './data-session.ts';

/** memcached's default largest item, plus its framing. */
const MAX_REPLY = 1024 * 1024 + 512;

/** The value stored under `key`, or null when there is none. Throws on anything else. */
export function memcachedGet(session: DataSession, host: string, port: number, key: string): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const socket: Socket = session.own(connect({ host, port }), (s) => s.destroy());
    let reply = Buffer.alloc(0);
    const protocolError = (message: string) =>
      Object.assign(new Error(`memcached: ${message}`), { name: 'ParserError' });
    socket.on('error', reject);
    socket.on('close', () => reject(Object.assign(new Error('Connection is closed'), {})));
    socket.once('connect', () => socket.write(`get ${key}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply.length > MAX_REPLY) return reject(protocolError('reply larger than an item can be'));
      const text = reply.toString('latin1');
      if (text.startsWith('END\r\n')) return resolve(null);
      if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(text) && text.includes('\r\n')) {
        return reject(Object.assign(new Error(text.split('\r\n')[0]!), { name: 'ReplyError' }));
      }
      const header = /^VALUE \S+ \d+ (\d+)(?: \d+)?\r\n/.exec(text);
      if (!header) {
        if (text.includes('\r\n') || text.length > 300) reject(protocolError('not a reply to get'));
        return;
      }
      const size = Number(header[1]);
      const start = header[0].length;
      if (reply.length < start + size + 7) return;
      if (reply.toString('latin1', start + size, start + size + 7) !== '\r\nEND\r\n') {
        return reject(protocolError('value not followed by END'));
      }
      resolve(reply.subarray(start, start + size));
    });
  });
}
