/**
 * TSIG (RFC 8945) with HMAC-SHA256: signs a DNS message and verifies the signed reply.
 * dns-packet has no TSIG support, so the MAC is computed here over the message and the TSIG
 * variables exactly as RFC 8945 §4.3.3 lays them out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const TYPE_TSIG = 250;
const CLASS_ANY = 255;
export const DEFAULT_FUDGE_S = 300;

export interface TsigKey {
  name: string;
  algorithm: 'hmac-sha256';
  /** The shared secret, decoded from base64. */
  secret: Buffer;
}

/** A name in canonical wire form: lower case, uncompressed, as the MAC input requires. */
export function wireName(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`label "${label}" is longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

/** The TSIG variables of §4.3.3 (with or without the key name/class/TTL part). */
function variables(key: TsigKey, timeSigned: number, fudge: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([
    wireName(key.name),
    u16(CLASS_ANY),
    Buffer.alloc(4), // TTL 0
    wireName(key.algorithm),
    u48(timeSigned),
    u16(fudge),
    u16(error),
    u16(other.length),
    other,
  ]);
}

function mac(key: TsigKey, ...parts: Buffer[]): Buffer {
  const hmac = createHmac('sha256', key.secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/**
 * Appends a TSIG RR to `message` (an encoded DNS message without one) and returns the signed
 * message and the request MAC, which the reply's MAC covers.
 */
export function signMessage(message: Buffer, key: TsigKey, timeSigned: number, fudge = DEFAULT_FUDGE_S) {
  const requestMac = mac(key, message, variables(key, timeSigned, fudge, 0, Buffer.alloc(0)));
  const originalId = message.readUInt16BE(0);
  const rdata = Buffer.concat([
    wireName(key.algorithm),
    u48(timeSigned),
    u16(fudge),
    u16(requestMac.length),
    requestMac,
    u16(originalId),
    u16(0), // error
    u16(0), // other len
  ]);
  const rr = Buffer.concat([
    wireName(key.name),
    u16(TYPE_TSIG),
    u16(CLASS_ANY),
    Buffer.alloc(4),
    u16(rdata.length),
    rdata,
  ]);
  const signed = Buffer.concat([message, rr]);
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10); // ARCOUNT
  return { signed, requestMac };
}

/** Skips a (possibly compressed) name; returns the offset after it. */
function skipName(buf: Buffer, offset: number): number {
  for (let guard = 0; guard < 128; guard++) {
    const len = buf[offset];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) return offset + 2;
    offset += 1 + len;
  }
  throw new Error('name too long');
}

export interface TsigCheck {
  ok: boolean;
  /** RFC 8945 error: 0 none, 16 BADSIG, 17 BADKEY, 18 BADTIME. */
  error: number;
  message: string;
}

/**
 * Verifies a reply's TSIG against the request MAC (§5.3): the reply must be signed with the
 * same key, the MAC must match, and the time must be within the fudge.
 */
export function verifyReply(reply: Buffer, key: TsigKey, requestMac: Buffer, nowS: number): TsigCheck {
  try {
    const qd = reply.readUInt16BE(4);
    const rrCount = reply.readUInt16BE(6) + reply.readUInt16BE(8) + reply.readUInt16BE(10);
    if (reply.readUInt16BE(10) === 0) return { ok: false, error: 0, message: 'reply is not signed' };
    let offset = 12;
    for (let i = 0; i < qd; i++) offset = skipName(reply, offset) + 4;
    let last = offset;
    for (let i = 0; i < rrCount; i++) {
      last = offset;
      offset = skipName(reply, offset);
      offset += 10 + reply.readUInt16BE(offset + 8);
    }
    const rrStart = last;
    let p = skipName(reply, rrStart);
    if (reply.readUInt16BE(p) !== TYPE_TSIG) return { ok: false, error: 0, message: 'reply is not signed' };
    p += 10;
    p = skipName(reply, p); // algorithm
    const timeSigned = reply.readUIntBE(p, 6);
    const fudge = reply.readUInt16BE(p + 6);
    const macLen = reply.readUInt16BE(p + 8);
    const replyMac = reply.subarray(p + 10, p + 10 + macLen);
    p += 10 + macLen;
    const originalId = reply.readUInt16BE(p);
    const error = reply.readUInt16BE(p + 2);
    const otherLen = reply.readUInt16BE(p + 4);
    const other = reply.subarray(p + 6, p + 6 + otherLen);
    if (error !== 0) return { ok: false, error, message: `server reports TSIG error ${tsigErrorName(error)}` };
    const unsigned = Buffer.from(reply.subarray(0, rrStart));
    unsigned.writeUInt16BE(originalId, 0);
    unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
    const expected = mac(
      key,
      u16(requestMac.length),
      requestMac,
      unsigned,
      variables(key, timeSigned, fudge, error, other),
    );
    if (replyMac.length !== expected.length || !timingSafeEqual(replyMac, expected)) {
      return { ok: false, error: 16, message: 'reply MAC does not verify (BADSIG)' };
    }
    if (Math.abs(nowS - timeSigned) > fudge)
      return { ok: false, error: 18, message: 'reply time outside the fudge (BADTIME)' };
    return { ok: true, error: 0, message: 'reply signature verified' };
  } catch (error) {
    return { ok: false, error: 0, message: `malformed signed reply: ${(error as Error).message}` };
  }
}

export function tsigErrorName(error: number): string {
  return { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' }[error] ?? String(error);
}
