import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on loopback that a test can stop and start again on the same port. */
export class HttpTarget {
  private server: Server;
  port = 0;
  private readonly handler: RequestListener;

  constructor(handler?: RequestListener) {
    this.handler =
      handler ??
      ((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"OK"}');
      });
    this.server = createServer(this.handler);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer(this.handler);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
