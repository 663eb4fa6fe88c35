/**
 * RFC 2136 dynamic update, signed with TSIG (RFC 8945): replaces the record's RRset with the
 * new value in one atomic UPDATE (delete the RRset, add the record).
 *
 * dns-packet encodes the message: RFC 2136 reuses the query layout, so the zone section is
 * the question section, the prerequisites the answers and the updates the authorities.
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer } from 'dns-packet';
import type { FailoverActionConfig } from '../../../shared/config/failover.ts';
import { parseResolver } from '../../probes/dns-probe.ts';
import { signMessage, verifyReply, type TsigKey } from './tsig.ts';
import { errorMessage, secretFrom, type ActionContext, type ActionOutcome, type FailoverAction } from './types.ts';

type Config = Extract<FailoverActionConfig, { type: 'dns_update' }>;

const OPCODE_UPDATE = 5;
const MAX_REPLY = 65_535;

export function buildUpdate(
  zone: string,
  record: NonNullable<ActionContext['record']>,
  value: string,
  id: number,
): Buffer {
  const name = record.name.replace(/\.$/, '');
  const updates = [
    // Class ANY, TTL 0 and no RDATA deletes the whole RRset (RFC 2136 §2.5.2). dns-packet
    // would write the A record's four bytes, so the type is given by number with empty data.
    { type: `UNKNOWN_${typeNumber(record.type)}`, name, class: 'ANY', ttl: 0, data: Buffer.alloc(0) },
    { type: record.type, name, class: 'IN', ttl: Math.round(record.ttlMs / 1000), data: value },
  ] as unknown as Answer[];
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: OPCODE_UPDATE << 11,
    questions: [{ name: zone.replace(/\.$/, ''), type: 'SOA', class: 'IN' }],
    answers: [],
    authorities: updates,
    additionals: [],
  });
}

function typeNumber(type: 'A' | 'AAAA' | 'CNAME'): number {
  return { A: 1, AAAA: 28, CNAME: 5 }[type];
}

export function dnsUpdateAction(config: Config): FailoverAction {
  return {
    type: 'dns_update',
    name: config.name ?? `dns_update ${config.zone} @ ${config.server}`,
    changesDns: true,
    describe: (ctx) => ({
      server: config.server,
      zone: config.zone,
      update: ctx.record
        ? `${ctx.record.name} ${Math.round(ctx.record.ttlMs / 1000)} IN ${ctx.record.type} ${ctx.value} (replacing ${ctx.previous})`
        : null,
      tsigKey: config.tsig.key_name,
      algorithm: config.tsig.algorithm,
    }),
    run: (ctx) => runUpdate(config, ctx),
  };
}

async function runUpdate(config: Config, ctx: ActionContext): Promise<ActionOutcome> {
  if (!ctx.record) return { ok: false, message: 'the policy has no record to update' };
  let key: TsigKey;
  try {
    key = {
      name: config.tsig.key_name,
      algorithm: config.tsig.algorithm,
      secret: Buffer.from(secretFrom(ctx.env, config.tsig.secret_env), 'base64'),
    };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
  const id = randomInt(65_536);
  const message = buildUpdate(config.zone, ctx.record, ctx.value, id);
  const { signed, requestMac } = signMessage(message, key, Math.floor(Date.now() / 1000));
  let reply: Buffer;
  try {
    reply = await exchange(parseResolver(config.server), signed, id, ctx.signal);
  } catch (error) {
    return { ok: false, message: `${config.server}: ${errorMessage(error)}` };
  }
  const rcode = rcodeOf(reply);
  const tsig = verifyReply(reply, key, requestMac, Math.floor(Date.now() / 1000));
  const detail = { rcode, tsig: tsig.message, server: config.server };
  if (rcode !== 'NOERROR')
    return { ok: false, message: `${config.server} refused the update: ${rcode} (${tsig.message})`, detail };
  // An unverified NOERROR could be forged; the server's own signature is the proof it applied the change.
  if (!tsig.ok) return { ok: false, message: `${config.server} answered NOERROR but ${tsig.message}`, detail };
  return { ok: true, message: `${ctx.record.name} ${ctx.record.type} set to ${ctx.value} on ${config.server}`, detail };
}

function rcodeOf(reply: Buffer): string {
  const names = [
    'NOERROR',
    'FORMERR',
    'SERVFAIL',
    'NXDOMAIN',
    'NOTIMP',
    'REFUSED',
    'YXDOMAIN',
    'YXRRSET',
    'NXRRSET',
    'NOTAUTH',
    'NOTZONE',
  ];
  const code = reply.readUInt16BE(2) & 0xf;
  return names[code] ?? `RCODE_${code}`;
}

/** One UDP exchange with the server, matched by id, bounded by the attempt's signal. */
function exchange(
  target: { host: string; port: number },
  message: Buffer,
  id: number,
  signal: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('timed out'));
    const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (error: Error | null, reply?: Buffer) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else resolve(reply!);
    };
    const onAbort = () => finish(new Error('no reply before the timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => finish(error));
    socket.on('message', (reply) => {
      if (reply.length < 12 || reply.length > MAX_REPLY || reply.readUInt16BE(0) !== id) return;
      finish(null, reply);
    });
    socket.connect(target.port, target.host, () => {
      if (!done) socket.send(message);
    });
  });
}
