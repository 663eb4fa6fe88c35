/**
 * The agent's one request: POST <centre>/api/agent/v1/sync. undici, one keep-alive connection
 * (a sync a second reuses it), TLS verified against the system's trust store plus `--ca-file`,
 * redirects never followed, the answer read up to the protocol's bound and parsed with its
 * schema before anything of it is used.
 */
import { readFileSync } from 'node:fs';
import { getCACertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { readBounded } from '../engine/bounded-body.ts';
import {
  AGENT_SYNC_PATH,
  AgentSyncResponseSchema,
  MAX_AGENT_BODY_BYTES,
  type AgentSyncRequest,
  type AgentSyncResponse,
} from '../shared/agent-protocol.ts';

export type SyncOutcome =
  | { ok: true; response: AgentSyncResponse }
  /** status: the centre's HTTP status, or null when there was no answer (network, timeout). */
  | { ok: false; status: number | null; message: string };

export interface CentreClientOptions {
  /** The centre's base URL (http or https; a path prefix behind a reverse proxy is kept). */
  centre: string;
  token: string;
  /** A PEM file of CAs to trust besides the system's. */
  caFile?: string | null;
  /** Connect, headers and body each within this. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The sync URL under a centre's base URL; throws with a message for people when it is not one. */
export function syncUrl(centre: string): URL {
  let base: URL;
  try {
    base = new URL(centre.endsWith('/') ? centre : `${centre}/`);
  } catch {
    throw new Error(`--centre: expected a URL such as https://knockon.example.net, got "${centre}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`--centre: expected an http or https URL, got "${centre}"`);
  }
  if (base.username !== '' || base.password !== '' || base.search !== '' || base.hash !== '') {
    throw new Error(
      '--centre: give the base URL only (no credentials, query or fragment); the token comes from --token-env',
    );
  }
  return new URL(AGENT_SYNC_PATH.slice(1), base);
}

/** The CAs to trust: the system's (Node's bundled ones when the system has none), plus the file's. */
export function trustedCAs(caFile: string | null | undefined): string[] {
  const system = getCACertificates('system');
  const cas = system.length > 0 ? [...system] : [...getCACertificates('bundled')];
  if (caFile) cas.push(readFileSync(caFile, 'utf8'));
  return cas;
}

export class CentreClient {
  readonly url: URL;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly dispatcher: Agent;

  constructor(options: CentreClientOptions) {
    this.url = syncUrl(options.centre);
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.dispatcher = new Agent({
      connect: { ca: trustedCAs(options.caFile), timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      // Below the centre's keep-alive (5 s), so the agent never writes to a socket the centre closed.
      keepAliveTimeout: 4_000,
      connections: 1,
    });
  }

  /** One sync. Never throws: failures are outcomes with a message. */
  async sync(body: AgentSyncRequest, signal?: AbortSignal): Promise<SyncOutcome> {
    const payload = JSON.stringify(body);
    try {
      const res = await request(this.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: payload,
        ...(signal ? { signal } : {}),
      });
      const { text, complete } = await readBounded(res.body, MAX_AGENT_BODY_BYTES);
      if (!complete) return { ok: false, status: res.statusCode, message: 'the answer is larger than any sync answer' };
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, status: res.statusCode, message: `HTTP ${res.statusCode}: the answer is not JSON` };
      }
      if (res.statusCode !== 200) {
        const error = (json as { error?: unknown } | null)?.error;
        const message = typeof error === 'string' ? error.slice(0, 500) : 'no reason given';
        return { ok: false, status: res.statusCode, message: `HTTP ${res.statusCode}: ${message}` };
      }
      const parsed = AgentSyncResponseSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          status: res.statusCode,
          message: `the centre's answer is not a sync answer (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
        };
      }
      return { ok: true, response: parsed.data };
    } catch (error) {
      return { ok: false, status: null, message: describeNetworkError(error) };
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => {});
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? `: ${cause.message}` : '';
  const named = code && !error.message.includes(code) ? ` (${code})` : '';
  return `${error.message}${named}${inner && !error.message.includes(inner.slice(2)) ? inner : ''}`.slice(0, 500);
}
