import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A loopback TCP server whose connections the test scripts by hand; closes every socket on stop. */
export class RawServer {
  readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  constructor(onConnection: (socket: Socket) => void) {
    this.server = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => this.sockets.delete(socket));
      onConnection(socket);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Accepts and never says a word. */
export const blackHole = () => new RawServer(() => {});

/** Answers with bytes that are not HTTP. */
export const garbage = () =>
  new RawServer((socket) => {
    socket.once('data', () => socket.write(Buffer.from('\x00\x01SSH-2.0-not-http\r\n\xff\xfe garbage\r\n\r\n')));
  });

/** Sends a status line and then one header byte a second, forever. */
export const trickle = () =>
  new RawServer((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const text = 'X-Slow: ' + 'a'.repeat(10_000);
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(text[i++ % text.length]!);
      }, 1000);
      socket.on('close', () => clearInterval(timer));
    });
  });

/** An HTTP server on loopback with a handler; closes every connection on stop. */
export class HttpServer {
  private readonly server;
  port = 0;

  constructor(handler: RequestListener) {
    this.server = createHttpServer(handler);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Streams a body that never ends, as fast as the client takes it. */
export const endlessBody = () => {
  const served = { bytes: 0, hangUps: 0, listeners: new Set<() => void>() };
  const server = new HttpServer((_req, res) => {
    res.on('close', () => {
      served.hangUps++;
      for (const l of served.listeners) l();
    });
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) served.bytes += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  return Object.assign(server, { served });
};

/** Redirects /a to /b and /b to /a. */
export const redirectLoop = () =>
  new HttpServer((req, res) => {
    res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' });
    res.end();
  });
