import { lookup } from 'node:dns/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { Client } from 'undici';
import type { ErrorClass, PhaseTimings, ProbeResult, TlsDetails } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { classifyError } from './classify.ts';
import { ProbeStopwatch } from './stopwatch.ts';
import { httpRequestTarget } from './http-auth.ts';
import { matchBody, matchHeaders } from './http-expect.ts';
import { describeChain, expiryVerdict, trustedCas, verifyPeer } from './tls-cert.ts';

type HttpCheck = Extract<ResolvedCheck, { type: 'http' }>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const noop = () => {};
/**
 * Closes a finished probe's client and socket. One shared error on purpose: without it undici
 * builds two errors with stack traces per probe (client destroyed, socket closed), which was a
 * tenth of the engine's CPU in the benchmark.
 */
const PROBE_DONE = Object.assign(new Error('probe finished'), { code: 'KNOCKON_PROBE_DONE' });
const BODY_CAP_REACHED = Object.assign(new Error('body cap reached'), { code: 'KNOCKON_BODY_CAP' });

/**
 * undici ends an exchange on a connection it will not reuse (ours all are: `reset`, sent as
 * `Connection: close`) by building an InformationalError for the socket it then closes, after
 * the response's end has reached us. Nobody sees that error, but its stack trace is taken
 * through llhttp's WebAssembly frames, and a profile of an agent put it at 7 % of the agent's CPU.
 * Stack traces are off from the response's end until the parser's turn is over (the next tick).
 */
function withoutStacksThisTurn(): void {
  if (Error.stackTraceLimit === 0) return;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  process.nextTick(() => {
    Error.stackTraceLimit = limit;
  });
}

/** An error with a code classifyError knows, raised by this probe's own timers and checks. */
class ProbeFailure extends Error {
  readonly errorClass: ErrorClass;
  /** Set when the headers had arrived: the status is known even though the exchange failed. */
  readonly httpStatus: number | undefined;
  constructor(errorClass: ErrorClass, message: string, httpStatus?: number) {
    super(message);
    this.errorClass = errorClass;
    this.httpStatus = httpStatus;
  }
}

interface Exchange {
  status: number;
  location: string | null;
  /** Only the headers the check reports (`reportHeaders`), lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  phases: PhaseTimings;
  tls: TlsDetails | null;
}

interface Attempt {
  url: URL;
  method: string;
  body: string | null;
  headers: Record<string, string>;
}

/** Credentials a redirect to another origin must not receive, as browsers and curl drop them. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}

/**
 * One HTTP probe: a fresh connection per request (so connect and TLS time are part of what is
 * measured), redirects followed up to a limit, the body read up to a cap, every phase timed and
 * bounded by its own timeout and by the check's timeout overall.
 */
export async function httpProbe(check: HttpCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const watch = new ProbeStopwatch(check.id);
  const deadline = watch.after(check.timeoutMs);
  let tls: TlsDetails | null = null;
  let phases: PhaseTimings | undefined;
  let finalUrl: string | undefined;
  const result = (
    ok: boolean,
    errorClass: ErrorClass | null,
    message: string,
    extra: Partial<ProbeResult> = {},
  ): ProbeResult =>
    watch.result(ok, errorClass, message, {
      ...(phases ? { phases } : {}),
      ...(tls ? { tls } : {}),
      ...(finalUrl ? { finalUrl } : {}),
      ...extra,
    });

  const target = httpRequestTarget(check, { 'user-agent': 'Knockon/0.1', connection: 'close' });
  if (!target.ok) return result(false, 'probe_error', target.message);
  let attempt: Attempt = { url: target.url, method: check.method, body: check.body ?? null, headers: target.headers };
  const visited = new Set<string>([attempt.url.href]);
  try {
    for (let redirects = 0; ; redirects++) {
      const exchange = await exchangeOnce(check, attempt, deadline, signal);
      phases = exchange.phases;
      tls = exchange.tls ?? tls;
      const { status } = exchange;
      if (REDIRECTS.has(status) && exchange.location !== null && check.max_redirects > 0) {
        const next = new URL(exchange.location, attempt.url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          return result(false, 'http_protocol', `redirect to unsupported URL ${next.href}`, { httpStatus: status });
        }
        finalUrl = next.href;
        if (visited.has(next.href)) {
          return result(false, 'http_redirect_loop', `redirect loop back to ${next.href}`, { httpStatus: status });
        }
        if (redirects + 1 > check.max_redirects) {
          return result(false, 'too_many_redirects', `more than ${check.max_redirects} redirects`, {
            httpStatus: status,
          });
        }
        visited.add(next.href);
        // As browsers do: 303 always, and 301/302 after a POST, become a GET without a body.
        const toGet = status === 303 || ((status === 301 || status === 302) && attempt.method === 'POST');
        attempt = {
          url: next,
          method: toGet ? 'GET' : attempt.method,
          body: toGet ? null : attempt.body,
          headers: next.origin === attempt.url.origin ? attempt.headers : withoutCredentials(attempt.headers),
        };
        continue;
      }
      const accepted = check.expect.status;
      if (accepted ? !accepted.includes(status) : status < 200 || status >= 300) {
        return result(false, 'http_status', `HTTP ${status}`, { httpStatus: status });
      }
      const seen = Object.keys(exchange.headers).length > 0 ? { headers: exchange.headers } : {};
      const mismatch =
        matchHeaders(check.expect.headers, exchange.headers) ??
        matchBody(check.expect, exchange.body, exchange.truncated, check.max_body_bytes);
      if (mismatch) return result(false, mismatch.errorClass, mismatch.message, { httpStatus: status, ...seen });
      const expiry = expiryVerdict(tls, check.expect.min_days_left);
      if (expiry?.fail) return result(false, 'tls_expiring', expiry.message, { httpStatus: status });
      const via = redirects > 0 ? ` after ${redirects} redirect${redirects > 1 ? 's' : ''}` : '';
      return result(true, null, expiry ? `HTTP ${status}${via}; ${expiry.message}` : `HTTP ${status}${via}`, {
        httpStatus: status,
        ...seen,
        ...(expiry ? { degraded: true } : {}),
      });
    }
  } catch (error) {
    tls = (error as { tls?: TlsDetails | null }).tls ?? tls;
    if (error instanceof ProbeFailure) {
      return result(false, error.errorClass, error.message, error.httpStatus ? { httpStatus: error.httpStatus } : {});
    }
    const { errorClass, message, shortage } = classifyError(error);
    if (shortage) return result(false, errorClass, message, { shortage });
    if (performance.now() >= deadline - 1) return result(false, 'timeout', `no answer within ${check.timeoutMs} ms`);
    return result(false, errorClass, message);
  }
}

/** The named headers of a response (lower-case), repeated ones joined with ", " as RFC 9110 allows. */
function pickHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  if (names.length === 0) return out;
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of names) {
    const value = lower.get(name);
    if (value !== undefined) out[name] = (Array.isArray(value) ? value.join(', ') : value).slice(0, 1_000);
  }
  return out;
}

/** One request on its own connection. Resolves with the answer or rejects with a classifiable error. */
function exchangeOnce(check: HttpCheck, attempt: Attempt, deadline: number, signal?: AbortSignal): Promise<Exchange> {
  const { url } = attempt;
  const https = url.protocol === 'https:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const servername = check.tls.server_name ?? (isIP(hostname) ? undefined : hostname);
  const phases: PhaseTimings = { dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, transferMs: 0 };
  let tls: TlsDetails | null = null;

  return new Promise<Exchange>((resolve, reject) => {
    let settled = false;
    let socket: Socket | null = null;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const client = new Client(url.origin, {
      pipelining: 0,
      allowH2: false,
      // Our own timers below: undici's round up to half a second past one second.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_opts, callback) => {
        connectTimed(check, https, hostname, Number(url.port) || (https ? 443 : 80), servername, phases).then(
          (connected) => {
            socket = connected.socket;
            tls = connected.tls;
            if (settled) {
              connected.socket.destroy();
              return;
            }
            callback(null, connected.socket);
          },
          (error: unknown) => callback(error as Error, null),
        );
      },
    });
    let phaseTimer: ReturnType<typeof setTimeout> | null = null;
    /** One timer per phase in turn: sending the request, awaiting headers, then each body read. */
    const armPhase = (ms: number, errorClass: ErrorClass, message: string, httpStatus?: number) => {
      if (phaseTimer) clearTimeout(phaseTimer);
      phaseTimer = setTimeout(() => finish(new ProbeFailure(errorClass, message, httpStatus)), ms);
    };
    const finish = (error: unknown, exchange?: Exchange) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (phaseTimer) clearTimeout(phaseTimer);
      signal?.removeEventListener('abort', onAbort);
      client.destroy(PROBE_DONE).catch(noop);
      (socket as Socket | null)?.destroy(PROBE_DONE);
      if (exchange) resolve(exchange);
      else reject(error);
    };
    const onAbort = () => finish(new ProbeFailure('probe_error', 'probe cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let status = 0;
    // Headers that arrived are an answer: a body that never finishes is a read timeout with a
    // status, not "no answer".
    const overall = () =>
      status > 0
        ? new ProbeFailure(
            'read_timeout',
            `headers arrived (HTTP ${status}) but the body did not finish within ${check.timeoutMs} ms`,
            status,
          )
        : new ProbeFailure('timeout', `no answer within ${check.timeoutMs} ms`);
    const remaining = Math.max(0, deadline - performance.now());
    timers.push(setTimeout(() => finish(overall()), remaining));

    let location: string | null = null;
    let reported: Record<string, string> = {};
    let tSent = 0;
    let tFirst = 0;
    let controllerRef: { abort(reason: Error): void } | null = null;
    const done = () => {
      const end = performance.now();
      if (tFirst) phases.transferMs = end - tFirst;
      finish(null, { status, location, headers: reported, body: Buffer.concat(chunks, size), truncated, phases, tls });
    };

    client.dispatch(
      {
        path: url.pathname + url.search,
        method: attempt.method,
        headers: attempt.headers,
        body: attempt.body,
        reset: true,
      },
      {
        onRequestStart(controller) {
          controllerRef = controller;
          armPhase(check.send_timeout, 'send_timeout', `request not sent within ${check.send_timeout} ms`);
        },
        onRequestSent() {
          tSent = performance.now();
          armPhase(check.read_timeout, 'read_timeout', `no response headers within ${check.read_timeout} ms`);
        },
        onResponseStarted() {
          tFirst = performance.now();
          phases.ttfbMs = tFirst - (tSent || tFirst);
        },
        onResponseStart(_controller, statusCode, headers) {
          if (statusCode < 200) return;
          status = statusCode;
          armPhase(
            check.read_timeout,
            'read_timeout',
            `headers arrived (HTTP ${statusCode}) but the body stalled for ${check.read_timeout} ms`,
            statusCode,
          );
          const loc = headers.location;
          location = typeof loc === 'string' ? loc : Array.isArray(loc) ? (loc[0] ?? null) : null;
          reported = pickHeaders(headers, check.reportHeaders ?? []);
        },
        onResponseData(_controller, chunk) {
          const room = check.max_body_bytes - size;
          if (chunk.length >= room) {
            if (room > 0) chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = chunk.length > room;
            // Enough read: whatever else the server sends is never buffered.
            done();
            controllerRef?.abort(BODY_CAP_REACHED);
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
          phaseTimer?.refresh();
        },
        onResponseEnd() {
          done();
          withoutStacksThisTurn();
        },
        onResponseError(_controller, error) {
          finish(error);
        },
      },
    );
  });
}

interface Connected {
  socket: Socket;
  tls: TlsDetails | null;
}

/**
 * Resolves the name, connects and completes TLS, timing each phase, within the connect timeout.
 * Certificates are checked here, after a handshake that rejected nothing, so an expired or
 * untrusted chain is still described in the result.
 */
function connectTimed(
  check: HttpCheck,
  https: boolean,
  hostname: string,
  port: number,
  servername: string | undefined,
  phases: PhaseTimings,
): Promise<Connected> {
  return new Promise<Connected>((resolve, reject) => {
    const t0 = performance.now();
    let socket: Socket | null = null;
    let settled = false;
    const settle = (error: unknown, connected?: Connected) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (connected) resolve(connected);
      else {
        socket?.destroy();
        reject(error);
      }
    };
    const timer = setTimeout(
      () => settle(new ProbeFailure('connect_timeout', `no connection within ${check.connect_timeout} ms`)),
      check.connect_timeout,
    );
    const address = isIP(hostname) ? Promise.resolve(hostname) : lookup(hostname).then((a) => a.address);
    address.then((ip) => {
      if (settled) return;
      const tDns = performance.now();
      phases.dnsMs = tDns - t0;
      let tcp: Socket;
      try {
        tcp = netConnect({ host: ip, port, noDelay: true });
      } catch (error) {
        return settle(error);
      }
      socket = tcp;
      // Never unhandled, whoever owns the socket later: a hostile peer must not crash the worker.
      tcp.on('error', noop);
      tcp.once('error', (error) => settle(error));
      tcp.once('connect', () => {
        const tTcp = performance.now();
        phases.connectMs = tTcp - tDns;
        if (!https) return settle(null, { socket: tcp, tls: null });
        let secure: TLSSocket;
        try {
          secure = tlsConnect({
            socket: tcp,
            // Without a host, Node checks identity against "localhost": an IP-only certificate
            // addressed by its IP would be "not trusted" (ERR_TLS_CERT_ALTNAME_INVALID).
            host: check.tls.server_name ?? hostname,
            servername,
            rejectUnauthorized: false,
            ALPNProtocols: ['http/1.1'],
            ca: trustedCas(check.tls),
          });
        } catch (error) {
          return settle(error);
        }
        socket = secure;
        secure.on('error', noop);
        secure.once('error', (error) => settle(error));
        secure.once('secureConnect', () => {
          phases.tlsMs = performance.now() - tTcp;
          const details = describeChain(secure, Date.now());
          if (!check.tls.insecure_skip_verify) {
            const bad = verifyPeer(secure, check.tls.server_name ?? hostname, details);
            if (bad) return settle(Object.assign(new ProbeFailure(bad.errorClass, bad.message), { tls: details }));
          }
          settle(null, { socket: secure, tls: details });
        });
      });
    }, settle);
  });
}
