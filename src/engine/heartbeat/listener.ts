import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Beat, HeartbeatBook } from './book.ts';

const MAX_BODY = 4 * 1024;
const PATH = /^\/heartbeat\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

export interface ListenerAddress {
  host: string;
  port: number;
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * What a beat may say, as query parameters (always strings) or as a JSON body (strings or
 * numbers). Anything else (objects, arrays, booleans where a string belongs) is refused here,
 * before a value is touched: an object with its own toString must never reach String().
 */
const scalar = z.union([z.string().max(1_000), z.number()]);
const BeatFields = z.object({
  status: z.enum(['up', 'down'], { error: 'status must be "up" or "down"' }).optional(),
  message: scalar.optional(),
  msg: scalar.optional(),
  value: z
    .union([z.number(), z.string().max(64)], { error: 'value must be a number' })
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || (typeof v === 'string' && v.trim() === '')) {
        ctx.addIssue({ code: 'custom', message: 'value must be a number' });
        return z.NEVER;
      }
      return n;
    }),
});
const BeatBody = z.record(z.string(), z.unknown(), { error: 'body must be a JSON object' });

function parseBeat(params: URLSearchParams, json: Record<string, unknown> | null): Beat | string {
  const fromQuery: Record<string, string> = {};
  for (const key of ['status', 'message', 'msg', 'value']) {
    const value = params.get(key);
    if (value !== null) fromQuery[key] = value;
  }
  const fields = BeatFields.safeParse({ ...fromQuery, ...(json ?? {}) });
  if (!fields.success) return fields.error.issues[0]?.message ?? 'invalid heartbeat';
  const { status, message, msg, value } = fields.data;
  const text = message ?? msg;
  return { status, message: text === undefined ? undefined : String(text), value };
}

/**
 * The endpoint services push heartbeats to: GET or POST /heartbeat/<check-id>, the token as
 * `?token=` or `Authorization: Bearer`, optional `status` (up/down), `message` and `value` as
 * query parameters or a small JSON body. Bounded: small bodies, short timeouts.
 */
export class HeartbeatListener {
  private server: Server | null = null;
  private readonly book: HeartbeatBook;
  address: ListenerAddress | null = null;

  constructor(book: HeartbeatBook) {
    this.book = book;
  }

  async listen(where: ListenerAddress): Promise<ListenerAddress> {
    const server = createServer({ headersTimeout: 5_000, requestTimeout: 5_000 }, (req, res) => this.handle(req, res));
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(where.port, where.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {});
    this.server = server;
    const bound = server.address() as AddressInfo;
    this.address = { host: where.host, port: bound.port };
    return this.address;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.address = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => {});
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://listener.invalid');
    } catch {
      // A request line no URL parser accepts (such as "//["): the sender's mistake, never the engine's end.
      return reply(res, 400, { ok: false, error: 'malformed request path' });
    }
    const match = PATH.exec(url.pathname);
    if (!match) return reply(res, 404, { ok: false, error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return reply(res, 405, { ok: false, error: 'use GET or POST' });
    }
    const auth = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = auth ? auth[1]! : (url.searchParams.get('token') ?? '');
    const id = match[1]!;
    // Authentication first: a caller without the check's token never gets its body parsed.
    if (!this.book.authorised(id, token)) {
      req.resume();
      return reply(res, 401, { ok: false, error: 'unknown check or wrong token' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // Answer first, then close: a reset before the answer leaves the sender guessing.
        if (!res.headersSent) {
          res.setHeader('connection', 'close');
          reply(res, 413, { ok: false, error: `body larger than ${MAX_BODY} bytes` });
          res.once('finish', () => setImmediate(() => req.destroy()));
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let json: Record<string, unknown> | null = null;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text !== '') {
        try {
          const parsed = BeatBody.safeParse(JSON.parse(text));
          if (!parsed.success) return reply(res, 400, { ok: false, error: 'body must be a JSON object' });
          json = parsed.data;
        } catch {
          return reply(res, 400, { ok: false, error: 'body must be a JSON object' });
        }
      }
      const beat = parseBeat(url.searchParams, json);
      if (typeof beat === 'string') return reply(res, 400, { ok: false, error: beat });
      if (this.book.record(id, token, beat) !== 'recorded') {
        return reply(res, 401, { ok: false, error: 'unknown check or wrong token' });
      }
      reply(res, 200, { ok: true });
    });
  }
}
