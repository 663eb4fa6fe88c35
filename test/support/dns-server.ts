import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';

export type DnsBehaviour =
  | { kind: 'answer'; answers: (question: { name: string; type: string }) => Answer[]; rcode?: string }
  | { kind: 'silent' }
  /** Ignores the first query it receives (a lost datagram), then answers. */
  | { kind: 'drop-first'; answers: (question: { name: string; type: string }) => Answer[] }
  | { kind: 'garbage' }
  /** Sets TC over UDP with no answers; the full answer comes over TCP on the same port. */
  | { kind: 'truncated'; answers: (question: { name: string; type: string }) => Answer[] };

const RCODE_NUMBER: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

/** A DNS server on loopback (UDP, and TCP on the same port) whose behaviour the test sets. */
export class DnsServer {
  behaviour: DnsBehaviour;
  queries = 0;
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  port = 0;

  constructor(behaviour: DnsBehaviour) {
    this.behaviour = behaviour;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private reply(query: DecodedPacket, truncated: boolean): Buffer {
    const b = this.behaviour;
    const question = query.questions?.[0] ?? { name: '', type: 'A' };
    const answers =
      b.kind === 'answer' || b.kind === 'drop-first' || (b.kind === 'truncated' && !truncated)
        ? b.answers(question)
        : [];
    const rcode = b.kind === 'answer' ? (b.rcode ?? 'NOERROR') : 'NOERROR';
    const flags =
      dnsPacket.RECURSION_DESIRED |
      dnsPacket.RECURSION_AVAILABLE |
      (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
      RCODE_NUMBER[rcode]!;
    return dnsPacket.encode({ type: 'response', id: query.id, flags, questions: query.questions, answers });
  }

  async start(): Promise<this> {
    // UDP and TCP on one port: a free UDP port may be taken for TCP, so try a few.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp();
      try {
        this.tcp = await this.listenTcp(udp.address().port);
        this.udp = udp;
        this.port = udp.address().port;
        return this;
      } catch (error) {
        udp.close();
        if (attempt >= 10) throw error;
      }
    }
  }

  private async bindUdp(): Promise<UdpSocket> {
    const udp = createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      this.queries++;
      const b = this.behaviour;
      if (b.kind === 'silent' || (b.kind === 'drop-first' && this.queries === 1)) return;
      if (b.kind === 'garbage') return udp.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]), rinfo.port, rinfo.address);
      let query: DecodedPacket;
      try {
        query = dnsPacket.decode(msg);
      } catch {
        return;
      }
      udp.send(this.reply(query, b.kind === 'truncated'), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    return udp;
  }

  private async listenTcp(port: number): Promise<Server> {
    const tcp = createServer((socket) => {
      socket.on('error', () => {});
      let buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
        const query = dnsPacket.decode(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
        const out = this.reply(query, false);
        const framed = Buffer.alloc(2 + out.length);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        socket.end(framed);
      });
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    return tcp;
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }
}

/** An A record answer for whatever was asked. */
export const aRecords =
  (addresses: string[], ttl = 60) =>
  (question: { name: string }): Answer[] =>
    addresses.map((data) => ({ type: 'A', name: question.name, ttl, data }) as Answer);
