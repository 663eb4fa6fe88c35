/**
 * The benchmark's targets, in their own process so their CPU is not counted as the engine's:
 * small HTTP servers on loopback answering a health document and closing the connection,
 * so every probe opens a fresh one. Prints the ports as one JSON line, then serves until killed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? 8);
const body = Buffer.from('{"status":"OK"}');
const ports: number[] = [];
for (let i = 0; i < count; i++) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, connection: 'close' });
    res.end(body);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  server.listen(0, '127.0.0.1', () => {
    ports.push((server.address() as AddressInfo).port);
    if (ports.length === count) console.log(JSON.stringify({ ports }));
  });
}
process.on('disconnect', () => process.exit(0));
