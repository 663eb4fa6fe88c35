import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce, EXIT_ALL_UP, type CheckLine } from '../../../src/cli/check-once.ts';
import { makeCerts, type TestCerts } from '../../support/certs.ts';

describe('knockon check --once verdicts', () => {
  let certs: TestCerts;
  let server: HttpsServer;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    certs = makeCerts();
    dir = await mkdtemp(join(tmpdir(), 'knockon-once-'));
    server = createHttpsServer({ key: certs.expiringSoon.key, cert: certs.expiringSoon.cert }, (_req, res) =>
      res.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
    certs.cleanup();
  });

  const run = async (checks: string) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(path, `checks:\n${checks}`);
    const lines: CheckLine[] = [];
    const errors: string[] = [];
    const code = await checkOnce(
      path,
      (l) => lines.push(JSON.parse(l) as CheckLine),
      (l) => errors.push(l),
      true,
    );
    return { code, lines, errors };
  };

  it('is degraded, as serve would say, for a certificate inside its min_days_left window', async () => {
    const ca = JSON.stringify(certs.caFile);
    const { code, lines } = await run(
      `  - { id: web, type: http, url: "https://127.0.0.1:${port}/", tls: { ca_file: ${ca} }, expect: { min_days_left: 10 } }\n` +
        `  - { id: handshake, type: tls, host: 127.0.0.1, port: ${port}, tls: { ca_file: ${ca} }, expect: { min_days_left: 10 } }\n`,
    );
    expect(lines.map((l) => [l.id, l.status, l.error_class])).toEqual([
      ['web', 'degraded', null],
      ['handshake', 'degraded', null],
    ]);
    expect(lines[0]!.message).toMatch(/certificate expires in [45] days \(want at least 10\)/);
    // Degraded is not down: the documented exit code stays "none down".
    expect(code).toBe(EXIT_ALL_UP);
  });

  it('says a heartbeat needs a running engine: unknown, never a failure', async () => {
    const { code, lines } = await run(
      '  - { id: beat, type: heartbeat, token: "0123456789abcdef0123", down_after: 1m }\n',
    );
    expect(lines).toEqual([
      expect.objectContaining({
        id: 'beat',
        status: 'unknown',
        error_class: 'probe_error',
        message:
          'a heartbeat check needs a running engine (knockon serve) to receive its beats: status unknown, not a failure',
      }),
    ]);
    expect(code).toBe(EXIT_ALL_UP);
  });
});
