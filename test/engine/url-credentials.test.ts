import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/engine/clock.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import { installModules } from '../../src/engine/modules.ts';
import { RpcRegistry } from '../../src/engine/rpc.ts';
import { DB_FILE } from '../../src/engine/store/index.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { HttpTarget } from '../support/http-target.ts';
import { waitFor } from '../support/wait.ts';
import { tempDir } from './store/helpers.ts';

const PASSWORD = 'hunter2-Pa55';
const API_KEY = 'SECRET-4f9a1c';

interface Seen {
  path: string;
  authorization: string | undefined;
}

describe('credentials in an HTTP check’s URL', () => {
  let dir: ReturnType<typeof tempDir>;
  let target: HttpTarget;
  const seen: Seen[] = [];

  beforeEach(async () => {
    dir = tempDir();
    seen.length = 0;
    target = await new HttpTarget((req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      if (req.url?.startsWith('/loop')) {
        // Back to itself, query and all: the probe's failure message names that URL.
        res.writeHead(302, { location: req.url });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }).start();
  });

  afterEach(async () => {
    await target.stop();
    dir.remove();
  });

  it('probes with them, and keeps them out of the board, its messages and the history database', async () => {
    const base = `http://u:${PASSWORD}@127.0.0.1:${target.port}`;
    const outcome = parseConfigText(
      JSON.stringify({
        defaults: { interval: '2s', timeout: '2s', fall: 1, rise: 1 },
        checks: [
          { id: 'api', type: 'http', url: `${base}/x?apikey=${API_KEY}&region=hk` },
          { id: 'loop', type: 'http', url: `${base}/loop?token=${API_KEY}` },
        ],
      }),
      'test.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));

    const messages: BoardMessage[] = [];
    const listeners = new Set<() => void>();
    const rpc = new RpcRegistry();
    const engine = new Engine({
      clock: systemClock,
      rpc,
      emit: (message) => {
        messages.push(message);
        for (const listener of listeners) listener();
      },
    });
    await installModules({ engine, rpc, dataDir: dir.path, clock: systemClock, log: () => {} });
    engine.applyConfig(outcome.config, 'test.yaml');
    try {
      const [api, loop] = await waitFor(
        (onChange) => {
          listeners.add(onChange);
          return () => listeners.delete(onChange);
        },
        () => {
          const checks = engine.snapshot().checks;
          return checks.every((c) => c.lastProbeAt !== null) && checks;
        },
        'both checks probed',
      );

      // The target received the credentials: Basic authentication from the userinfo, the query as written.
      const basic = `Basic ${Buffer.from(`u:${PASSWORD}`).toString('base64')}`;
      expect(seen.find((s) => s.path.startsWith('/x'))).toEqual({
        path: `/x?apikey=${API_KEY}&region=hk`,
        authorization: basic,
      });
      expect(seen.find((s) => s.path.startsWith('/loop'))?.authorization).toBe(basic);

      expect(api).toMatchObject({
        status: 'up',
        target: `GET http://***@127.0.0.1:${target.port}/x?apikey=***&region=hk`,
      });
      expect(loop).toMatchObject({ status: 'down', errorClass: 'http_redirect_loop' });
      expect(loop!.message).toBe(`redirect loop back to http://127.0.0.1:${target.port}/loop?token=***`);
      expect(loop!.details?.finalUrl).toBe(`http://127.0.0.1:${target.port}/loop?token=***`);

      // Everything the board receives (IPC and SSE carry these same messages).
      const board = JSON.stringify([engine.snapshot(), messages]);
      expect(board).toContain('apikey=***');
      expect(board).not.toContain(PASSWORD);
      expect(board).not.toContain(API_KEY);
    } finally {
      await engine.stop();
    }

    const db = new DatabaseSync(join(dir.path, DB_FILE), { readOnly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (t) => t.name,
    );
    const stored = JSON.stringify(tables.map((name) => db.prepare(`SELECT * FROM "${name}"`).all()));
    const results = db.prepare('SELECT message FROM results').all() as { message: string }[];
    db.close();
    expect(results.map((r) => r.message)).toContain(
      `redirect loop back to http://127.0.0.1:${target.port}/loop?token=***`,
    );
    expect(stored).toContain('apikey=***');
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain(API_KEY);
    // Nor in any page of the files themselves (the WAL included), free or not.
    for (const file of readdirSync(dir.path)) {
      const bytes = readFileSync(join(dir.path, file));
      expect(bytes.includes(PASSWORD), file).toBe(false);
      expect(bytes.includes(API_KEY), file).toBe(false);
    }
  });
});
