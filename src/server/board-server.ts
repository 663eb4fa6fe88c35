/**
 * The headless board: serves the built renderer and streams board messages to browsers over
 * Server-Sent Events. Binds to loopback unless told otherwise.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { agentDoor } from './agent-door.ts';
import { HttpError, jsonReply, listenHttp, readBody, SECURITY_HEADERS } from './http-basics.ts';
import { MetricsExporter } from './metrics.ts';
import { AGENT_SYNC_PATH } from '../shared/agent-protocol.ts';
import { AUTH_ME_PATH, type AuthMe } from '../shared/auth-api.ts';
import type { BoardSnapshot } from '../shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage, type BoardText } from '../shared/protocol.ts';
import {
  isRpcMethodName,
  parseRpcParams,
  RPC_ACTIONS,
  isBoardMethod,
  MAX_WEBHOOK_BODY_BYTES,
  rpcRefusal,
  type RpcMethod,
  type RpcParams,
  type RpcResult,
} from '../shared/rpc.ts';
import type { Actor } from '../shared/actor.ts';
import { clientKey, hostNameOf, isLoopback, isOwnOrigin, originHostName } from './client-address.ts';
import {
  ALERTMANAGER_CALLER,
  ANONYMOUS_VIEWER,
  bearerToken,
  boardTokenIdentifier,
  METRICS_READER,
  secretMatches,
  type Identifier,
} from './identity.ts';
import { readStatic } from './static-files.ts';
import type { TlsFiles } from './tls-files.ts';

export interface BoardSource {
  current(): BoardSnapshot | null;
  /** The seq of the last message `current()` reflects (EngineHost); absent: 0, a board that never changes. */
  seq?(): number;
  /** Engine worker restarts since start (EngineHost), for /metrics. */
  workerRestarts?(): number;
  subscribe(listener: (message: BoardMessage) => void): () => void;
  /**
   * The same messages as the JSON text the engine made of them (EngineHost): written to the
   * clients as it is, never parsed or serialised again here. Without it, `subscribe`'s objects are
   * serialised once per message.
   */
  subscribeText?(listener: (message: BoardText) => void): () => void;
  request<M extends RpcMethod>(method: M, params: RpcParams<M>, actor: Actor): Promise<RpcResult<M>>;
}

export interface BoardServerOptions {
  source: BoardSource;
  /** Directory holding the built renderer (index.html and assets/). */
  staticDir: string;
  host?: string;
  port?: number;
  /**
   * SSE clients at once; more are refused with 503 rather than exhausting the engine's host.
   * Default: 200, or half of maxConnections when that is smaller, so queries always find room.
   */
  maxClients?: number;
  /**
   * Of maxClients, slots only this machine (loopback) and clients sending the board token may
   * take: a kiosk browser on the board's own machine always gets its stream. Default: a tenth.
   */
  reservedClients?: number;
  /** The board token: it reserves SSE slots, and is the admin's credential unless `identifier` says otherwise. */
  token: string;
  /**
   * Who each API request comes from (src/server/identity.ts). Default: the board token is an
   * admin and anyone else a viewer (no `auth:` configured).
   */
  identifier?: Identifier;
  /**
   * Serve HTTPS with this certificate and key (PEM files), read again when they change; a pair
   * that does not load is reported and the one in use stays.
   */
  tls?: TlsFiles & { onReload?: (outcome: { ok: boolean; message: string }) => void };
  /** The sign-in routes (/auth/*) when `auth:` is configured (src/server/auth/routes.ts). */
  authRoutes?: (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    headers: Record<string, string>,
  ) => Promise<void>;
  /**
   * Host names (with or without port) the board answers to, beyond loopback names and the bound
   * address: anything else is refused, so a rebound DNS name cannot read the board.
   */
  allowedHosts?: readonly string[];
  /** Open sockets at most (browsers, SSE streams, idle connections); more are closed at once. */
  maxConnections?: number;
  /**
   * SSE streams one remote address (an IPv6 /64) may hold, so one client cannot take every slot.
   * Loopback is exempt: behind a reverse proxy on this machine every browser comes from it.
   */
  maxClientsPerAddress?: number;
  /**
   * A connection whose request headers are not complete within this is answered 408 and closed
   * (one that never sends a byte included); a keep-alive socket idle between requests is closed
   * after the smaller of this and 5 s. Event streams are exempt once they are open. Default 10 s.
   */
  idleTimeoutMs?: number;
  /** Unsent bytes an SSE client may fall behind by before it is dropped. Default 1 MiB. */
  maxClientBufferBytes?: number;
  /**
   * Who may read `GET /metrics`, apart from the board token (which is never asked for there): a
   * bearer token, or basic auth (as Prometheus's `authorization` and `basic_auth` send them).
   * Open, as the board's read-only API is, when absent.
   */
  metricsAuth?: MetricsAuth;
}

export type MetricsAuth = { bearer: string } | { basic: { username: string; password: string } };

/** Whether a request may read /metrics; compared in constant time. */
function metricsAllowed(header: string | undefined, auth: MetricsAuth | undefined): boolean {
  if (!auth) return true;
  if ('bearer' in auth) return tokenMatches(header, auth.bearer);
  const given = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')?.[1];
  const expected = Buffer.from(`${auth.basic.username}:${auth.basic.password}`);
  const actual = Buffer.from(given ?? '', 'base64');
  return given !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected);
}

const MAX_BODY_BYTES = 64 * 1024;
/** Where Alertmanager's webhook_configs point. */
export const ALERTMANAGER_WEBHOOK_PATH = '/api/alertmanager/webhook';

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** Parsed at the door with the method's schema: the engine never sees what the contract refuses. */
function parsedParams<M extends RpcMethod>(method: M, params: unknown): RpcParams<M> {
  const parsed = parseRpcParams(method, params);
  if (!parsed.ok) throw new HttpError(400, parsed.error);
  return parsed.params;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  return secretMatches(bearerToken(header), token);
}

const KEEPALIVE_MS = 15_000;
const KEEPALIVE_FRAME = Buffer.from(': keepalive\n\n');
/**
 * About two snapshots of a big board. Messages are serialised once into one Buffer that every
 * client's queue shares, so 200 stalled clients cost this bound each in queue length, not in
 * copies of the data.
 */
const DEFAULT_MAX_CLIENT_BUFFER_BYTES = 1024 * 1024;
/**
 * The board's share of the process's descriptors: far below a default `ulimit -n` of 1,024, so
 * the probes (max_in_flight 256 by default, each needing one or two) always have room.
 */
const DEFAULT_MAX_CONNECTIONS = 512;
const DEFAULT_MAX_CLIENTS = 200;
const DEFAULT_MAX_PER_ADDRESS = 8;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface RunningBoardServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startBoardServer(options: BoardServerOptions): Promise<RunningBoardServer> {
  const { source, staticDir } = options;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const maxClients = options.maxClients ?? Math.min(DEFAULT_MAX_CLIENTS, Math.floor(maxConnections / 2));
  const reservedClients = Math.min(options.reservedClients ?? Math.ceil(maxClients / 10), maxClients);
  const maxPerAddress = options.maxClientsPerAddress ?? DEFAULT_MAX_PER_ADDRESS;
  const maxClientBuffer = options.maxClientBufferBytes ?? DEFAULT_MAX_CLIENT_BUFFER_BYTES;
  /** Each event stream, with the request that opened it: its credentials are checked again on a revoke. */
  const clients = new Map<ServerResponse, IncomingMessage>();
  const perAddress = new Map<string, number>();
  const allowed = new Set<string>(LOOPBACK_NAMES);
  const metrics = new MetricsExporter();
  for (const name of options.allowedHosts ?? []) {
    const parsed = hostNameOf(name);
    if (!parsed) throw new Error(`allowed host "${name}" is not a host name (name, name:port or [v6])`);
    allowed.add(parsed);
  }

  // A client that stops reading (a suspended kiosk with its connection still open) would make
  // the server buffer every message for it. Past the limit it is dropped; EventSource
  // reconnects by itself and starts again from a snapshot.
  const write = (res: ServerResponse, bytes: Buffer) => {
    if (res.writableLength > maxClientBuffer) {
      clients.delete(res);
      res.destroy();
      return;
    }
    res.write(bytes);
  };
  const frameOf = (json: string) => Buffer.from(`event: board\ndata: ${json}\n\n`);
  const frame = (message: BoardMessage) => frameOf(JSON.stringify(message));
  // Reconnecting walls (after a restart, all at once) share one serialised snapshot. It is
  // numbered as the last message the board reflects: a client expects the next one after it.
  let snapshotFrame: { board: BoardSnapshot; seq: number; bytes: Buffer } | null = null;
  const snapshotBytes = (board: BoardSnapshot) => {
    const seq = source.seq?.() ?? 0;
    if (snapshotFrame?.board !== board || snapshotFrame.seq !== seq) {
      snapshotFrame = { board, seq, bytes: frame({ v: PROTOCOL_VERSION, seq, kind: 'snapshot', snapshot: board }) };
    }
    return snapshotFrame.bytes;
  };
  // Each message is serialised once, for every client (by the engine, when the source has its text).
  const send = (bytes: () => Buffer) => {
    if (clients.size === 0) return;
    const shared = bytes();
    for (const res of clients.keys()) write(res, shared);
  };
  const unsubscribe = source.subscribeText
    ? source.subscribeText((message) => send(() => frameOf(message.text)))
    : source.subscribe((message) => send(() => frame(message)));
  const keepalive = setInterval(() => {
    for (const res of clients.keys()) write(res, KEEPALIVE_FRAME);
  }, KEEPALIVE_MS);
  keepalive.unref();

  // The agent door, beside the board (agent-door.ts): the sync goes to the engine as an RPC.
  const agentSync = agentDoor((params, actor) => source.request('agent.sync', params, actor));

  /**
   * Alertmanager's webhook (webhook_configs url: <board>/api/alertmanager/webhook). Like the
   * agent door, it skips the Host check: the engine checks the credentials alertmanager_in
   * names before the body is parsed, and a browser (which sends Origin with a POST) is refused.
   */
  const alertmanagerWebhook = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = jsonReply(res);
    if (req.method !== 'POST') return reply(405, { error: 'Alertmanager posts its webhook' }, { allow: 'POST' });
    if (req.headers.origin !== undefined)
      return reply(403, { error: 'the webhook does not answer browsers' }, { connection: 'close' });
    let body: Buffer;
    try {
      body = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      return reply(status, { error: error instanceof Error ? error.message : String(error) }, { connection: 'close' });
    }
    try {
      const outcome = await source.request(
        'alertmanager.webhook',
        { authorization: String(req.headers.authorization ?? '').slice(0, 4_096), body: body.toString('utf8') },
        ALERTMANAGER_CALLER,
      );
      reply(
        outcome.status,
        outcome.body,
        outcome.status === 401 ? { 'www-authenticate': 'Bearer, Basic realm="knockon"' } : {},
      );
    } catch (error) {
      // The engine is restarting: Alertmanager retries a 5xx.
      reply(503, { error: `the engine did not answer: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  const identifier = options.identifier ?? boardTokenIdentifier(options.token);
  // A revoked kiosk link or token must stop showing the board at once, not at the stream's next
  // reconnect: streams whose credentials no longer identify anyone are ended (the page then asks
  // who it is, and finds nobody).
  const stopWatchingRevocations =
    identifier.onRevoked?.(() => {
      for (const [res, req] of clients) {
        // Off the revoke's own path: a store that cannot answer now leaves the stream to its next reconnect.
        void Promise.resolve()
          .then(() => identifier.identify(req))
          .then((actor) => {
            if (actor || !clients.delete(res)) return;
            res.end();
          })
          .catch(() => {});
      }
    }) ?? (() => {});
  /** The caller, if their role allows the method (the contract says which): else 401 or 403. */
  const allowedCaller = async (req: IncomingMessage, method: RpcMethod): Promise<Actor> => {
    const actor = await identifier.identify(req);
    if (!actor)
      throw new HttpError(401, `${method}: sign in first (or send an API token: Authorization: Bearer <token>)`);
    const refused = rpcRefusal(method, actor);
    if (!refused) return actor;
    if (actor === ANONYMOUS_VIEWER) {
      throw new HttpError(401, `${refused}: actions need the board token: Authorization: Bearer <token>`);
    }
    throw new HttpError(403, refused);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').split('?')[0] === AGENT_SYNC_PATH) return agentSync(req, res);
    if ((req.url ?? '').split('?')[0] === ALERTMANAGER_WEBHOOK_PATH) return alertmanagerWebhook(req, res);
    const plain = (status: number, text: string) =>
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(`${text}\n`);
    // DNS rebinding: a page on evil.example that rebinds its name to 127.0.0.1 sends Host:
    // evil.example. Only names the board is served on are answered.
    const host = hostNameOf(req.headers.host ?? '');
    if (host === null || !allowed.has(host)) {
      plain(
        421,
        `this board does not answer to host "${String(req.headers.host ?? '').slice(0, 100)}" (allow it with --allowed-host)`,
      );
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      plain(400, 'malformed request path');
      return;
    }
    const json = (status: number, body: unknown, close = false) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...(close ? { connection: 'close' } : {}),
        ...SECURITY_HEADERS,
      });
      res.end(JSON.stringify(body));
    };
    if (options.authRoutes && url.pathname.startsWith('/auth/')) {
      // Login CSRF: another site, or another port of this host, must not sign this browser in
      // (or out) as someone else.
      const origin = req.headers.origin;
      if (req.method === 'POST' && origin !== undefined && !isOwnOrigin(origin, req.headers.host)) {
        json(403, { error: `sign-in from origin ${origin.slice(0, 100)} is refused` });
        return;
      }
      return options.authRoutes(req, res, url.pathname, SECURITY_HEADERS);
    }
    if (url.pathname === AUTH_ME_PATH) {
      // No sign-in here: said outright, so the page need not guess from what comes back.
      json(200, { mode: 'open' } satisfies AuthMe);
      return;
    }
    // The board's own streams and snapshots are for anyone who may view (401 before sign-in).
    if (/^\/api\/(events|snapshot|vantages)$/.test(url.pathname) && !(await identifier.identify(req))) {
      json(401, { error: 'sign in to see the board' });
      return;
    }
    const rpc = /^\/api\/(query|action)\/([^/]+)$/.exec(url.pathname);
    if (rpc) {
      const [, kind, method] = rpc;
      try {
        if (!isRpcMethodName(method) || !isBoardMethod(method)) throw new HttpError(404, `unknown method "${method}"`);
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
          const actor = await allowedCaller(req, method);
          json(200, await source.request(method, parsedParams(method, params), actor));
        } else {
          if (req.method !== 'POST') throw new HttpError(405, 'actions use POST');
          if (!isAction) throw new HttpError(404, `"${method}" is not an action`);
          // A browser always says where a request comes from: only the board's own pages may act.
          const origin = req.headers.origin;
          if (origin !== undefined && !allowed.has(originHostName(origin) ?? '')) {
            throw new HttpError(403, `actions from origin ${origin.slice(0, 100)} are refused`);
          }
          // A session cookie is sent by the browser on its own: beyond SameSite=Strict, an action
          // signed by one must say where it comes from (browsers always send Origin with POST),
          // and that must be this very board, port included, not just a name it answers to.
          if (req.headers.authorization === undefined && req.headers.cookie !== undefined) {
            if (origin === undefined)
              throw new HttpError(403, 'actions signed by a session cookie need an Origin header');
            if (!isOwnOrigin(origin, req.headers.host)) {
              throw new HttpError(403, `actions from origin ${origin.slice(0, 100)} are refused`);
            }
          }
          const actor = await allowedCaller(req, method);
          json(200, await source.request(method, parsedParams(method, await readJsonBody(req)), actor));
        }
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 400;
        json(
          status,
          { error: error instanceof Error ? error.message : String(error) },
          error instanceof HttpError && error.close,
        );
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
      return;
    }
    if (url.pathname === '/api/events') {
      const remote = req.socket.remoteAddress;
      const address = clientKey(remote);
      const local = isLoopback(remote);
      const privileged = local || tokenMatches(req.headers.authorization, options.token);
      if (!local && (perAddress.get(address) ?? 0) >= maxPerAddress) {
        res
          .writeHead(429, { 'retry-after': '5', 'content-type': 'text/plain', ...SECURITY_HEADERS })
          .end(`too many board streams from ${address}\n`);
        return;
      }
      if (clients.size >= (privileged ? maxClients : maxClients - reservedClients)) {
        res
          .writeHead(503, { 'retry-after': '5', 'content-type': 'text/plain', ...SECURITY_HEADERS })
          .end('too many board clients\n');
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
      if (board) write(res, snapshotBytes(board));
      clients.set(res, req);
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      req.on('close', () => {
        clients.delete(res);
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
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
    if (url.pathname === '/api/vantages') {
      // Every vantage (this machine first, then the agents): online, link, last seen, skew, buffer.
      const board = source.current();
      res.writeHead(board ? 200 : 503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
      });
      res.end(
        JSON.stringify(
          board
            ? { vantages: board.vantages ?? [board.vantage], at: board.generatedAt }
            : { error: 'engine not ready' },
        ),
      );
      return;
    }
    if (url.pathname === '/metrics') {
      if (!metricsAllowed(req.headers.authorization, options.metricsAuth)) {
        const scheme = options.metricsAuth && 'basic' in options.metricsAuth ? 'Basic realm="knockon"' : 'Bearer';
        res
          .writeHead(401, { 'www-authenticate': scheme, 'content-type': 'text/plain', ...SECURITY_HEADERS })
          .end('/metrics needs its credentials (see --metrics-token-env, --metrics-basic-auth-env)\n');
        return;
      }
      const board = source.current();
      if (!board) {
        res.writeHead(503, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('engine not ready\n');
        return;
      }
      // The engine's own gauges are left out while it cannot answer (restarting): the board's stay.
      const health = await source.request('engine.health', {}, METRICS_READER).catch(() => null);
      const body = metrics.render({ board, health, workerRestarts: source.workerRestarts?.() ?? 0 });
      res.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': body.length,
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
      });
      // The chunks stay as they are until the response is done with them (handed to the system).
      body.retain();
      res.once('close', () => body.release());
      if (req.method !== 'HEAD') {
        res.cork();
        for (const chunk of body.chunks) res.write(chunk);
        res.uncork();
      }
      res.end();
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

  const host = options.host ?? '127.0.0.1';
  const bound = hostNameOf(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  if (bound) allowed.add(bound);
  // Served on every interface: the machine's own names and addresses are where people reach it.
  if (host === '0.0.0.0' || host === '::' || host === '[::]') {
    allowed.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) allowed.add(i.family === 'IPv6' ? `[${i.address.toLowerCase()}]` : i.address);
    }
  }
  const listening = await listenHttp(
    {
      host,
      port: options.port ?? 8080,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxConnections,
      ...(options.tls ? { tls: options.tls } : {}),
    },
    handle,
  );
  return {
    server: listening.server,
    url: listening.url,
    close: async () => {
      unsubscribe();
      clearInterval(keepalive);
      stopWatchingRevocations();
      for (const res of clients.keys()) res.end();
      clients.clear();
      await listening.close();
    },
  };
}
