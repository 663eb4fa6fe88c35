/**
 * The headless board: serves the built renderer and streams board messages to browsers over
 * Server-Sent Events. Binds to loopback unless told otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BoardSnapshot } from '../shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage } from '../shared/protocol.ts';
import { readStatic } from './static-files.ts';

export interface BoardSource {
  current(): BoardSnapshot | null;
  subscribe(listener: (message: BoardMessage) => void): () => void;
}

export interface BoardServerOptions {
  source: BoardSource;
  /** Directory holding the built renderer (index.html and assets/). */
  staticDir: string;
  host?: string;
  port?: number;
  /** SSE clients at once; more are refused with 503 rather than exhausting the engine's host. */
  maxClients?: number;
}

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const KEEPALIVE_MS = 15_000;

export interface RunningBoardServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startBoardServer(options: BoardServerOptions): Promise<RunningBoardServer> {
  const { source, staticDir } = options;
  const maxClients = options.maxClients ?? 200;
  const clients = new Set<ServerResponse>();

  const send = (res: ServerResponse, message: BoardMessage) => {
    res.write(`event: board\ndata: ${JSON.stringify(message)}\n\n`);
  };
  const unsubscribe = source.subscribe((message) => {
    for (const res of clients) send(res, message);
  });
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
    if (url.pathname === '/api/events') {
      if (clients.size >= maxClients) {
        res.writeHead(503, { 'retry-after': '5' }).end('too many board clients');
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        ...SECURITY_HEADERS,
      });
      res.write('retry: 1000\n\n');
      const board = source.current();
      if (board) send(res, { v: PROTOCOL_VERSION, seq: 0, kind: 'snapshot', snapshot: board });
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === '/api/snapshot') {
      const board = source.current();
      res.writeHead(board ? 200 : 503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
      });
      res.end(JSON.stringify(board ?? { error: 'engine not ready' }));
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const file = (await readStatic(staticDir, url.pathname)) ?? (await readStatic(staticDir, '/index.html'));
    if (!file) {
      res
        .writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS })
        .end(`the board is not built: ${staticDir} has no index.html (run "npm run build")\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'cache-control': url.pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}/`,
    close: async () => {
      unsubscribe();
      clearInterval(keepalive);
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
