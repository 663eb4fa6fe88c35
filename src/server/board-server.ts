/**
 * The headless board: serves the built renderer and streams board messages to browsers over
 * Server-Sent Events. Binds to loopback unless told otherwise.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BoardSnapshot } from '../shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage } from '../shared/protocol.ts';
import { isRpcMethodName, RPC_ACTIONS, type RpcMethod, type RpcParams, type RpcResult } from '../shared/rpc.ts';
import { readStatic } from './static-files.ts';

export interface BoardSource {
  current(): BoardSnapshot | null;
  subscribe(listener: (message: BoardMessage) => void): () => void;
  request<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>>;
}

export interface BoardServerOptions {
  source: BoardSource;
  /** Directory holding the built renderer (index.html and assets/). */
  staticDir: string;
  host?: string;
  port?: number;
  /** SSE clients at once; more are refused with 503 rather than exhausting the engine's host. */
  maxClients?: number;
  /** Bearer token required by every action (anything that changes state). */
  token: string;
}

const MAX_BODY_BYTES = 64 * 1024;

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(new HttpError(400, 'request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
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
/** Unsent bytes a board client may fall behind by before it is dropped. */
const MAX_CLIENT_BUFFER_BYTES = 4 * 1024 * 1024;

export interface RunningBoardServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startBoardServer(options: BoardServerOptions): Promise<RunningBoardServer> {
  const { source, staticDir } = options;
  const maxClients = options.maxClients ?? 200;
  const clients = new Set<ServerResponse>();

  // A client that stops reading (a suspended kiosk with its connection still open) would make
  // the server buffer every message for it. Past the limit it is dropped; EventSource
  // reconnects by itself and starts again from a snapshot.
  const write = (res: ServerResponse, text: string) => {
    if (res.writableLength > MAX_CLIENT_BUFFER_BYTES) {
      clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  };
  const send = (res: ServerResponse, message: BoardMessage) => {
    write(res, `event: board\ndata: ${JSON.stringify(message)}\n\n`);
  };
  const unsubscribe = source.subscribe((message) => {
    for (const res of clients) send(res, message);
  });
  const keepalive = setInterval(() => {
    for (const res of clients) write(res, ': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...SECURITY_HEADERS });
      res.end(JSON.stringify(body));
    };
    const rpc = /^\/api\/(query|action)\/([^/]+)$/.exec(url.pathname);
    if (rpc) {
      const [, kind, method] = rpc;
      try {
        if (!isRpcMethodName(method)) throw new HttpError(404, `unknown method "${method}"`);
        const isAction = RPC_ACTIONS.has(method);
        if (kind === 'query') {
          if (req.method !== 'GET') throw new HttpError(405, 'queries use GET');
          if (isAction) throw new HttpError(404, `"${method}" is an action: POST /api/action/${method}`);
          let params: unknown = {};
          try {
            params = JSON.parse(url.searchParams.get('params') ?? '{}');
          } catch {
            throw new HttpError(400, 'the params query parameter is not valid JSON');
          }
          json(200, await source.request(method, params as never));
        } else {
          if (req.method !== 'POST') throw new HttpError(405, 'actions use POST');
          if (!isAction) throw new HttpError(404, `"${method}" is not an action`);
          if (!tokenMatches(req.headers.authorization, options.token)) {
            throw new HttpError(401, 'actions need the board token: Authorization: Bearer <token>');
          }
          json(200, await source.request(method, (await readJsonBody(req)) as never));
        }
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 400;
        json(status, { error: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
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
