import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from '../support/http-target.ts';

const cli = new URL('../../src/cli/knockon.ts', import.meta.url).pathname;

function knockon(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('knockon check --once --json', () => {
  let dir: string;
  let target: HttpTarget;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-cli-'));
    target = await new HttpTarget((req, res) => {
      res.writeHead(req.url === '/health' ? 200 : 503).end(req.url === '/health' ? '{"status":"OK"}' : 'no');
    }).start();
  });
  afterAll(async () => {
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON object per check and exits 0 when all are up', async () => {
    const path = join(dir, 'up.yaml');
    await writeFile(path, `checks:\n  - { id: api, type: http, url: "${target.url}/health" }\n`);
    const { code, stdout } = await knockon(['check', '--config', path, '--once', '--json']);
    expect(code).toBe(0);
    const line = JSON.parse(stdout.trim());
    expect(line).toMatchObject({ id: 'api', status: 'up', error_class: null, vantage: 'local' });
    expect(typeof line.latency_ms).toBe('number');
  });

  it('exits 1 and classifies the error when any check is down', async () => {
    const path = join(dir, 'down.yaml');
    await writeFile(
      path,
      `checks:\n  - { id: api, type: http, url: "${target.url}/health" }\n  - { id: bad, type: http, url: "${target.url}/broken" }\n  - { id: gone, type: http, url: "http://127.0.0.1:1/" }\n`,
    );
    const { code, stdout } = await knockon(['check', '--config', path, '--once', '--json']);
    expect(code).toBe(1);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.status, l.error_class])).toEqual([
      ['api', 'up', null],
      ['bad', 'down', 'http_status'],
      ['gone', 'down', 'connect_refused'],
    ]);
  });

  it('exits 2 with the file, line, column and field on a bad config', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'checks:\n  - id: api\n    type: http\n    url: http://x/\n    interval: 5\n');
    const { code, stdout, stderr } = await knockon(['check', '--config', path, '--once', '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${path}:5:15: checks[0].interval: expected a duration`);
  });

  it('exits 2 when the config file does not exist', async () => {
    const { code, stderr } = await knockon(['check', '--config', join(dir, 'missing.yaml'), '--once']);
    expect(code).toBe(2);
    expect(stderr).toContain('file not found');
  });
});
