/**
 * HTTPS for the headless board with a certificate generated for the test (openssl), reloaded
 * when its files change, and a broken renewal refused while the old certificate stays.
 */
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentPort } from '../../src/server/agent-port.ts';
import { startBoardServer, type BoardSource, type RunningBoardServer } from '../../src/server/board-server.ts';
import { AGENT_SYNC_PATH } from '../../src/shared/agent-protocol.ts';
import { hashPassword } from '../../src/server/auth/passwords.ts';
import { setupAuth, type AuthSetup } from '../../src/server/auth/setup.ts';
import { authSchema } from '../../src/shared/config/auth.ts';
import { emptyBoard } from '../support/board.ts';
import { makeCerts, type TestCerts } from '../support/certs.ts';
import { FakeClock } from '../support/fake-clock.ts';

const source: BoardSource = {
  current: () => emptyBoard(1),
  subscribe: () => () => {},
  request: async (method) => ({ served: method }) as never,
};

/** The certificate the server presents now (its serial number). */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('the board over TLS', () => {
  let certs: TestCerts;
  let dir: string;
  let server: RunningBoardServer;
  let auth: AuthSetup;
  let ca: string;
  const reloads: { ok: boolean; message: string }[] = [];
  let notify: (() => void) | null = null;
  /** Resolves at the next reload report (an event, not a sleep). */
  const nextReload = () => new Promise<void>((resolve) => (notify = resolve));

  beforeAll(async () => {
    certs = makeCerts();
    ca = readFileSync(certs.caFile, 'utf8');
    dir = await mkdtemp(join(tmpdir(), 'knockon-tls-'));
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
    await writeFile(join(dir, 'board.crt'), certs.good.cert);
    await writeFile(join(dir, 'board.key'), certs.good.key);
    auth = await setupAuth({
      auth: authSchema.parse({ users: [{ id: 'ana', role: 'admin', password_hash: await hashPassword('pw') }] }),
      host: '127.0.0.1',
      source,
      dataDir: dir,
      boardToken: 'board-token-for-tests-0123456789',
      clock: new FakeClock(),
    });
    server = await startBoardServer({
      ...auth.options,
      staticDir: dir,
      port: 0,
      token: 'board-token-for-tests-0123456789',
      tls: {
        certFile: join(dir, 'board.crt'),
        keyFile: join(dir, 'board.key'),
        onReload: (outcome) => {
          reloads.push(outcome);
          notify?.();
        },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    auth?.close();
    certs?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS, and session cookies are Secure', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const dispatcher = new Agent({ connect: { ca } });
    const page = await undiciFetch(server.url, { dispatcher });
    expect(await page.text()).toBe('<html>board</html>');
    const login = await undiciFetch(new URL('/auth/login', server.url), {
      dispatcher,
      method: 'POST',
      body: JSON.stringify({ user: 'ana', password: 'pw' }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    await dispatcher.close();
  });

  it("serves the agent port over the board's TLS files: an agent's sync over HTTPS, plain HTTP refused", async () => {
    const synced: string[] = [];
    const agents = await startAgentPort({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: join(dir, 'board.crt'), keyFile: join(dir, 'board.key') },
      call: async ({ body }) => {
        synced.push(body);
        return { status: 200, body: { v: 2, ack: 1 } };
      },
    });
    const dispatcher = new Agent({ connect: { ca } });
    try {
      expect(agents.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await undiciFetch(new URL(AGENT_SYNC_PATH, agents.url), {
        dispatcher,
        method: 'POST',
        headers: { authorization: 'Bearer kna_over-tls', 'content-type': 'application/json' },
        body: '{"v":2}',
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ v: 2, ack: 1 });
      expect(synced).toEqual(['{"v":2}']);
      // Plain HTTP to the TLS port gets no answer from the door.
      const plain = await fetch(agents.url.replace('https:', 'http:') + AGENT_SYNC_PATH.slice(1), {
        method: 'POST',
        headers: { authorization: 'Bearer kna_over-tls', 'content-type': 'application/json' },
        body: '{}',
      }).then(
        (r) => r.status,
        () => 'refused',
      );
      expect(plain).not.toBe(200);
      expect(synced).toHaveLength(1);
    } finally {
      await dispatcher.close();
      await agents.close();
    }
  });

  it('serves a renewed certificate without a restart, and keeps the old one when the new pair is broken', async () => {
    const port = Number(new URL(server.url).port);
    const before = await servedSerial(port, ca);
    const renewed = certs.issue('renewed', 'DNS:localhost,IP:127.0.0.1');
    // As certbot does: new files written beside, renamed into place.
    let reloaded = nextReload();
    await writeFile(join(dir, 'board.key.new'), renewed.key);
    await writeFile(join(dir, 'board.crt.new'), renewed.cert);
    await rename(join(dir, 'board.key.new'), join(dir, 'board.key'));
    await rename(join(dir, 'board.crt.new'), join(dir, 'board.crt'));
    await reloaded;
    // A loaded machine may read between the two renames (key new, certificate old): that read is
    // refused, and the rename that follows brings the good pair. Bounded: a few reports at most.
    for (let i = 0; i < 3 && !reloads.at(-1)!.ok; i++) await nextReload();
    expect(reloads.at(-1)).toMatchObject({ ok: true });
    const after = await servedSerial(port, ca);
    expect(after).not.toBe(before);

    reloaded = nextReload();
    await writeFile(join(dir, 'board.key'), certs.good.key); // no longer matches the certificate
    await reloaded;
    expect(reloads.at(-1)).toEqual({
      ok: false,
      message: expect.stringMatching(/do not load together.*still serving the previous certificate$/),
    });
    expect(await servedSerial(port, ca)).toBe(after);
  });
});
