import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, isIPv6 } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from 'dns-packet';
import type { DnsResolverAnswer, ErrorClass, ObserverShortage, ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { observerShortage } from './classify.ts';
import { answerText, expectedText } from './dns-answer.ts';

type DnsCheck = Extract<ResolvedCheck, { type: 'dns' }>;

/** One resolver's answer, and what the observer ran short of when it could not even ask. */
type Asked = DnsResolverAnswer & { shortage?: ObserverShortage };

const RCODE_CLASS: Record<string, ErrorClass> = {
  NXDOMAIN: 'dns_nxdomain',
  SERVFAIL: 'dns_servfail',
  REFUSED: 'dns_refused',
};
/** A TCP answer longer than this is not a health check's business. */
const MAX_TCP_ANSWER = 65_535;

export function parseResolver(text: string): { host: string; port: number } {
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  if (isIPv6(text)) return { host: text, port: 53 };
  const [host, port] = text.split(':');
  return { host: host!, port: Number(port ?? 53) };
}

/**
 * Asks every resolver separately (in parallel, never one as a fallback for another) and
 * reports each one's rcode, answers, TTL and latency: how propagation of a change is seen.
 */
export async function dnsProbe(check: DnsCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const deadline = t0 + check.timeoutMs;
  const asked = await Promise.all(check.resolvers.map((r) => askResolver(check, r, deadline, signal)));
  const answers = asked.map(({ shortage: _, ...answer }) => answer);
  const base = { checkId: check.id, startedAt, latencyMs: performance.now() - t0, dns: answers };
  const fail = (errorClass: ErrorClass, message: string): ProbeResult => ({ ...base, ok: false, errorClass, message });

  // A resolver this machine could not ask leaves the comparison incomplete (agree, propagation):
  // the probe did not run, whatever the other resolvers said.
  const unasked = asked.find((a) => a.errorClass === 'probe_error');
  if (unasked) {
    return {
      ...fail('probe_error', `${unasked.resolver}: ${unasked.message}`),
      ...(unasked.shortage ? { shortage: unasked.shortage } : {}),
    };
  }
  const broken = answers.find((a) => a.errorClass !== null);
  if (broken) return fail(broken.errorClass!, `${broken.resolver}: ${broken.message}`);
  const expected = check.expect;
  const want = (values: string[] | undefined) => values?.map((v) => expectedText(check.record_type, v));
  const exact = want(expected.answers)?.sort();
  const contains = want(expected.contains);
  for (const a of answers) {
    if (exact && (exact.length !== a.answers.length || exact.some((v, i) => v !== a.answers[i]))) {
      return fail('dns_mismatch', `${a.resolver} answered ${list(a.answers)}, expected ${list(exact)}`);
    }
    const missing = contains?.filter((v) => !a.answers.includes(v)) ?? [];
    if (missing.length > 0)
      return fail('dns_mismatch', `${a.resolver} answered ${list(a.answers)}, missing ${list(missing)}`);
  }
  if (expected.agree) {
    const first = answers[0]!;
    const other = answers.find((a) => a.answers.join('\n') !== first.answers.join('\n'));
    if (other) {
      return fail(
        'dns_disagree',
        `${first.resolver} answered ${list(first.answers)} but ${other.resolver} answered ${list(other.answers)}`,
      );
    }
  }
  const summary = answers.length === 1 ? list(answers[0]!.answers) : `${answers.length} resolvers agree`;
  return { ...base, ok: true, errorClass: null, message: `${check.record_type} ${summary}` };
}

function list(values: string[]): string {
  return values.length === 0 ? '(none)' : values.join(', ');
}

function askResolver(check: DnsCheck, resolver: string, deadline: number, signal?: AbortSignal): Promise<Asked> {
  const t0 = performance.now();
  const target = parseResolver(resolver);
  // Unpredictable, so an off-path spoofer cannot guess which reply would be accepted.
  const id = randomInt(65_536);
  const query = {
    type: 'query' as const,
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: check.record_type as RecordType, name: check.query_name }],
  };
  const outcome = (packet: DecodedPacket | null, errorClass: ErrorClass | null, message: string): DnsResolverAnswer => {
    const latencyMs = performance.now() - t0;
    if (!packet) return { resolver, rcode: null, answers: [], ttl: null, latencyMs, errorClass, message };
    return summarise(check, resolver, packet, latencyMs);
  };
  /** The observer ran short (no descriptor for a socket, no buffer to send): nothing was asked. */
  const unasked = (error: unknown): Asked | null => {
    const short = observerShortage(error);
    return short ? { ...outcome(null, 'probe_error', short.message), shortage: short.shortage } : null;
  };
  return new Promise<Asked>((resolve) => {
    let socket: UdpSocket;
    try {
      socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    } catch (error) {
      return resolve(unasked(error) ?? outcome(null, 'probe_error', `could not open a UDP socket: ${String(error)}`));
    }
    let settled = false;
    const settle = (answer: Asked) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(retry);
      signal?.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        // Already closed by a failed bind: nothing left to release.
      }
      resolve(answer);
    };
    const onAbort = () => settle(outcome(null, 'probe_error', 'probe cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const remaining = Math.max(0, deadline - performance.now());
    const timer = setTimeout(
      () => settle(outcome(null, 'dns_timeout', `no answer within ${check.timeoutMs} ms`)),
      remaining,
    );
    // One datagram lost is not an outage: ask once more, as resolvers' own clients do, halfway
    // through the timeout. The latency still counts from the first query.
    const wire = dnsPacket.encode(query);
    let retry: ReturnType<typeof setTimeout> | undefined;
    socket.on('error', (error: NodeJS.ErrnoException) =>
      // An ICMP port unreachable: nothing listens there, which is not a DNS answer of any kind.
      error.code === 'ECONNREFUSED'
        ? settle(outcome(null, 'connect_refused', 'nothing listens on that port (port unreachable)'))
        : settle(unasked(error) ?? outcome(null, 'dns_error', error.message)),
    );
    const send = () => {
      try {
        socket.send(wire);
      } catch (error) {
        settle(unasked(error) ?? outcome(null, 'dns_error', String(error)));
      }
    };
    socket.on('message', (buffer) => {
      let packet: DecodedPacket;
      try {
        packet = dnsPacket.decode(buffer);
      } catch {
        return settle(outcome(null, 'dns_error', 'malformed reply'));
      }
      // Not the answer to this query (late, or spoofed): keep waiting for the real one.
      if (packet.id !== id || packet.type !== 'response') return;
      if (packet.flag_tc && check.tcp_fallback) {
        socket.removeAllListeners('message');
        askOverTcp(target, query, deadline).then(
          (tcpPacket) => settle(outcome(tcpPacket, null, '')),
          (error: Error & { errorClass?: ErrorClass }) =>
            settle(unasked(error) ?? outcome(null, error.errorClass ?? 'dns_error', `over TCP: ${error.message}`)),
        );
        return;
      }
      settle(outcome(packet, null, ''));
    });
    // A connected socket only receives datagrams from the resolver asked.
    try {
      socket.connect(target.port, target.host, () => {
        if (settled) return;
        send();
        retry = setTimeout(() => settled || send(), remaining / 2);
      });
    } catch (error) {
      settle(unasked(error) ?? outcome(null, 'dns_error', String(error)));
    }
  });
}

function summarise(check: DnsCheck, resolver: string, packet: DecodedPacket, latencyMs: number): DnsResolverAnswer {
  const rcode = (packet as DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
  const records = (packet.answers ?? []).filter((a: Answer) => a.type === check.record_type);
  const answers = records
    .map(answerText)
    .filter((t): t is string => t !== null)
    .sort();
  const ttls = records.map((r) => (r as { ttl?: number }).ttl ?? 0);
  const ttl = ttls.length > 0 ? Math.min(...ttls) : null;
  const base = { resolver, rcode, answers, ttl, latencyMs };
  if (rcode === check.expect.rcode) return { ...base, errorClass: null, message: rcode };
  const errorClass = RCODE_CLASS[rcode] ?? (check.expect.rcode === 'NOERROR' ? 'dns_error' : 'dns_mismatch');
  return { ...base, errorClass, message: `${rcode}, expected ${check.expect.rcode}` };
}

function askOverTcp(
  target: { host: string; port: number },
  query: Parameters<typeof dnsPacket.streamEncode>[0],
  deadline: number,
): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    let socket: ReturnType<typeof netConnect>;
    try {
      socket = netConnect({ host: target.host, port: target.port });
    } catch (error) {
      return reject(error);
    }
    let received = Buffer.alloc(0);
    const fail = (errorClass: ErrorClass, message: string, cause?: unknown) => {
      socket.destroy();
      clearTimeout(timer);
      reject(Object.assign(new Error(message, { cause }), { errorClass }));
    };
    const timer = setTimeout(() => fail('dns_timeout', 'no answer in time'), Math.max(0, deadline - performance.now()));
    socket.on('error', (error) => fail('dns_error', error.message, error));
    socket.once('connect', () => socket.write(dnsPacket.streamEncode(query)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_TCP_ANSWER + 2) return fail('dns_error', 'reply too large');
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(dnsPacket.decode(received.subarray(2, 2 + received.readUInt16BE(0))));
      } catch {
        reject(Object.assign(new Error('malformed reply'), { errorClass: 'dns_error' }));
      }
    });
    socket.on('end', () => fail('dns_error', 'connection closed before a full reply'));
  });
}
