import { createSocket } from 'node:dgram';
import dnsPacket, { type RecordType } from 'dns-packet';

/** Asks one server directly over UDP and returns the answers of the asked type, as text. */
export function queryRecords(
  server: { host: string; port: number },
  name: string,
  type: RecordType = 'A',
): Promise<{ rcode: string; answers: string[]; ttl: number | null }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const id = Math.floor(Math.random() * 65_536);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from ${server.host}:${server.port} within 2 s`));
    }, 2_000);
    socket.on('message', (buffer) => {
      const packet = dnsPacket.decode(buffer);
      if (packet.id !== id) return;
      clearTimeout(timer);
      socket.close();
      const records = (packet.answers ?? []).filter((a) => a.type === type);
      resolve({
        rcode: (packet as { rcode?: string }).rcode ?? 'NOERROR',
        answers: records.map((a) => String((a as { data?: unknown }).data)).sort(),
        ttl: records.length > 0 ? Math.min(...records.map((a) => (a as { ttl?: number }).ttl ?? 0)) : null,
      });
    });
    socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ type, name }] }), server.port, server.host);
  });
}
