/**
 * Real local HTTP receivers for notification tests: a Slack-compatible incoming webhook, a
 * generic JSON webhook, and a server speaking PagerDuty's documented Events API v2 wire format
 * (POST /v2/enqueue; 202 {"status":"success","message":"Event processed","dedup_key":…}; 400
 * {"status":"invalid event","errors":[…]}) — PagerDuty itself cannot be reached from tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

type Reply = (req: ReceivedRequest, res: ServerResponse) => void;

export class RecordingReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly listeners = new Set<() => void>();
  private server: Server | null = null;
  port = 0;
  private readonly reply: Reply;

  constructor(reply?: Reply) {
    this.reply =
      reply ??
      ((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Calls back on every request (for waitFor). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text: the assertion on it will say what arrived.
    }
    const received = { method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body };
    this.requests.push(received);
    this.reply(received, res);
    for (const listener of this.listeners) listener();
  }
}

const PD_ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const PD_SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** What is wrong with a PagerDuty Events v2 request, by the documented rules; empty when valid. */
export function pagerDutyErrors(req: ReceivedRequest, routingKey: string): string[] {
  const errors: string[] = [];
  if (req.method !== 'POST') errors.push('method must be POST');
  if (req.path !== '/v2/enqueue') errors.push('path must be /v2/enqueue');
  if (!req.contentType?.startsWith('application/json')) errors.push('content-type must be application/json');
  const body = req.body as Record<string, unknown>;
  if (typeof body !== 'object' || body === null) return [...errors, 'body must be a JSON object'];
  if (body.routing_key !== routingKey) errors.push('routing_key is missing or wrong');
  if (!PD_ACTIONS.has(body.event_action as string)) errors.push('event_action must be trigger, acknowledge or resolve');
  if (body.event_action !== 'trigger' && typeof body.dedup_key !== 'string') errors.push('dedup_key is required');
  if (typeof body.dedup_key === 'string' && body.dedup_key.length > 255) errors.push('dedup_key is too long');
  if (body.event_action === 'trigger') {
    const payload = body.payload as Record<string, unknown> | undefined;
    if (!payload) errors.push('payload is required for trigger');
    else {
      if (typeof payload.summary !== 'string' || payload.summary.length === 0 || payload.summary.length > 1024)
        errors.push('payload.summary must be 1-1024 characters');
      if (typeof payload.source !== 'string' || payload.source.length === 0) errors.push('payload.source is required');
      if (!PD_SEVERITIES.has(payload.severity as string)) errors.push('payload.severity is invalid');
    }
  }
  return errors;
}

export function pagerDutyReceiver(routingKey: string): RecordingReceiver {
  return new RecordingReceiver((req, res) => {
    const errors = pagerDutyErrors(req, routingKey);
    if (errors.length > 0) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }));
      return;
    }
    const dedupKey = (req.body as { dedup_key?: string }).dedup_key ?? 'generated';
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }));
  });
}
