/**
 * What the headless servers share: the board server (board-server.ts) and the agent port
 * (agent-port.ts), which runs on the engine's thread. Bounded bodies, JSON answers, the security
 * headers, and a listening HTTP or HTTPS server with the same timeouts, TLS reloading and
 * handling of broken requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readTlsPair, watchTlsPair, type TlsFiles } from './tls-files.ts';

export class HttpError extends Error {
  readonly status: number;
  /** Close the connection after answering (a body left unread). */
  readonly close: boolean;
  constructor(status: number, message: string, close = false) {
    super(message);
    this.status = status;
    this.close = close;
  }
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** A request's body, at most `limit` bytes: beyond it, 413 and the connection closed. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(new HttpError(413, `request body over ${limit} bytes`, true));
      return;
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Answered, then closed: the rest of the body is never read or kept.
        req.off('data', onData);
        chunks.length = 0;
        reject(new HttpError(413, `request body over ${limit} bytes`, true));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Answers a door's request with JSON (the agent's and Alertmanager's doors). */
export function jsonReply(res: ServerResponse) {
  return (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
}

const MAX_KEEP_ALIVE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;

const CLIENT_ERROR_STATUS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
};

export interface ListenOptions {
  host: string;
  port: number;
  /**
   * A connection whose request headers are not complete within this is answered 408 and closed
   * (one that never sends a byte included); a keep-alive socket idle between requests is closed
   * after the smaller of this and 5 s.
   */
  idleTimeoutMs: number;
  /** Open sockets at most; more are closed at once. */
  maxConnections: number;
  /**
   * Serve HTTPS with this certificate and key (PEM files), read again when they change; a pair
   * that does not load is reported and the one in use stays.
   */
  tls?: TlsFiles & { onReload?: (outcome: { ok: boolean; message: string }) => void };
}

export interface Listening {
  server: Server;
  /** http(s)://address:port/ as bound. */
  url: string;
  /** Stops accepting, closes every connection, stops watching the TLS files. */
  close(): Promise<void>;
}

/** An HTTP or HTTPS server listening with the handler; rejects when the address cannot be bound. */
export async function listenHttp(
  options: ListenOptions,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<Listening> {
  const { idleTimeoutMs } = options;
  const tlsPair = options.tls ? await readTlsPair(options.tls) : null;
  const create = (
    tlsPair ? (opts: object, listener: never) => createHttpsServer({ ...opts, ...tlsPair }, listener) : createServer
  ) as typeof createServer;
  const server = create(
    // Bounded so connections can never take the descriptors probes need. Node's headersTimeout
    // runs from the moment a connection opens, so it also closes a socket that never sends a
    // byte; once a request is complete (an event stream's is at once) it no longer applies.
    // requestTimeout bounds a body sent slowly.
    {
      headersTimeout: idleTimeoutMs,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, idleTimeoutMs),
      keepAliveTimeout: Math.min(MAX_KEEP_ALIVE_MS, idleTimeoutMs),
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(idleTimeoutMs / 4))),
    },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    },
  );
  server.maxConnections = options.maxConnections;
  const tls = options.tls;
  const stopWatchingTls = tls
    ? watchTlsPair(
        tls,
        (pair) => {
          (server as HttpsServer).setSecureContext(pair);
          tls.onReload?.({ ok: true, message: `TLS certificate ${tls.certFile} reloaded` });
        },
        (message) => tls.onReload?.({ ok: false, message: `${message}; still serving the previous certificate` }),
      )
    : () => {};
  server.on('connection', (socket: Socket) => socket.on('error', () => {}));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
    // Destroyed once written, not just ended: a peer that never reads would hold a half-closed
    // socket, and its descriptor, for good.
    if (socket.writable) {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () => socket.destroy());
    } else socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (error) {
    stopWatchingTls();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `${tlsPair ? 'https' : 'http'}://${shownHost}:${address.port}/`,
    close: async () => {
      stopWatchingTls();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // After close() stops accepting: a socket still sending headers would otherwise hold it open.
      server.closeAllConnections();
      await closed;
    },
  };
}
