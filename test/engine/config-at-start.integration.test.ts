/**
 * A bad config at first start, through the real worker: the board gets a snapshot carrying the
 * located errors (not "Waiting for the engine…"), the log prints them, and fixing the file
 * starts the checks. Reloads that are too big or explosive never stop the running config.
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { loadConfigFile } from '../../src/engine/config/load.ts';
import { EngineHost } from '../../src/engine/host.ts';
import { waitFor } from '../support/wait.ts';

const workerPath = new URL('../../src/engine/worker.ts', import.meta.url);
const GOOD = 'checks:\n  - { id: port, type: tcp, host: 127.0.0.1, port: 9, interval: 1s, timeout: 200ms }\n';
const BOMB = `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
checks: [*f]
`;

describe('config trouble at start and on reload', () => {
  let dir: string;
  let host: EngineHost | null = null;
  afterEach(async () => {
    await host?.stop();
    host = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the located errors of a YAML bomb at first start, logs them, and starts once the file is fixed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-cfg-'));
    const path = join(dir, 'knockon.yaml');
    await writeFile(path, BOMB);
    const logs: string[] = [];
    host = new EngineHost({ workerPath, configPath: path, log: (_l, m) => logs.push(m) });
    host.start();
    await host.ready();
    const board = host.current()!;
    expect(board.checks).toEqual([]);
    const issue = board.config.error?.issues[0];
    // At the alias where the expansion passes a million values: the eighth *e of f's list.
    expect(issue).toMatchObject({ file: path, line: 6, column: 29, field: '(file)' });
    expect(issue?.message).toMatch(/alias bomb/);

    await writeFile(path, GOOD);
    const subscribe = (onChange: () => void) => host!.subscribe(onChange);
    await waitFor(subscribe, () => host!.current()?.checks.some((c) => c.id === 'port'), 'the fixed config to start');
    expect(host.current()!.config.error).toBeNull();
    expect(logs.some((l) => l.includes(`${path}:6:29:`))).toBe(true);

    // A reload that would not fit the heap is refused before it is read; the checks go on.
    await truncate(path, 9 * 1024 * 1024);
    await waitFor(subscribe, () => host!.current()?.config.error, 'the oversized file to be reported');
    expect(host.current()!.config.error!.issues[0]!.message).toBe('config file is 9 MiB; the limit is 8 MiB');
    expect(host.current()!.checks.map((c) => c.id)).toEqual(['port']);
    expect(host.workerRestarts()).toBe(0);
  });

  it('says an empty file is empty, and an oversized one is too large, at load', async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-cfg-'));
    expect(parseConfigText('# nothing yet\n\n', 'empty.yaml')).toEqual({
      ok: false,
      issues: [
        {
          file: 'empty.yaml',
          line: null,
          column: null,
          field: '(file)',
          message: 'config file is empty: add at least one check',
        },
      ],
    });
    const big = join(dir, 'big.yaml');
    await writeFile(big, '');
    await truncate(big, 20 * 1024 * 1024);
    const outcome = await loadConfigFile(big);
    expect(!outcome.ok && outcome.issues[0]!.message).toBe('config file is 20 MiB; the limit is 8 MiB');
  });
});
