/**
 * `knockon serve` as a real process: how its board options reach the server, and where a
 * generated token goes.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = new URL('../../src/cli/knockon.ts', import.meta.url).pathname;

function serveUntilExit(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'serve', ...args]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** Starts `knockon serve`, resolves with its output once the board is up, then stops it. */
function serveUntilUp(args: string[], env: NodeJS.ProcessEnv): Promise<{ output: string; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { env });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Knockon board: (http:\/\/\S+)/.exec(output);
      if (match) {
        child.off('close', onEarlyExit);
        child.once('close', () => resolve({ output, url: match[1]! }));
        child.kill('SIGTERM');
      }
    };
    const onEarlyExit = (code: number | null) => reject(new Error(`knockon serve exited with ${code}:\n${output}`));
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('close', onEarlyExit);
  });
}

describe('knockon serve: board options', () => {
  let dir: string;
  let configPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-serve-'));
    configPath = join(dir, 'knockon.yaml');
    await writeFile(configPath, 'checks:\n  - { id: gone, type: tcp, host: 127.0.0.1, port: 1 }\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a malformed --agent-port, an --agent-host without one, and an agent port already taken', async () => {
    const bad = await serveUntilExit(['--config', configPath, '--agent-port', '80a']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--agent-port: expected a port number 0-65535, got "80a"');
    const alone = await serveUntilExit(['--config', configPath, '--agent-host', '0.0.0.0']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--agent-host: give --agent-port too');
    // The port is this test's own listener: the centre says which address and does not start.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = await serveUntilExit([
        '--config',
        configPath,
        '--port',
        '0',
        '--data-dir',
        dir,
        '--agent-port',
        String(port),
      ]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`the agent port could not listen on 127.0.0.1:${port}: listen EADDRINUSE`);
      expect(busy.stderr).toContain('the agent port did not open, so the centre does not start');
    } finally {
      taken.close();
    }
  });

  it('refuses an --allowed-host that is not a host name, before starting anything', async () => {
    const { code, stderr } = await serveUntilExit(['--config', configPath, '--allowed-host', 'evil@127.0.0.1']);
    expect(code).toBe(2);
    expect(stderr).toContain('--allowed-host: expected a host name');
  });

  it('refuses a --max-connections too small to serve a board', async () => {
    const { code, stderr } = await serveUntilExit(['--config', configPath, '--max-connections', '3']);
    expect(code).toBe(2);
    expect(stderr).toContain('--max-connections');
  });

  it('writes a generated token to DIR/board-token (0600) and logs the path, never the token', async () => {
    const dataDir = join(dir, 'data');
    const env = { ...process.env };
    delete env.KNOCKON_TOKEN;
    const { output } = await serveUntilUp(
      ['--config', configPath, '--data-dir', dataDir, '--allowed-host', 'board.noc.example'],
      env,
    );
    const tokenPath = join(dataDir, 'board-token');
    const token = (await readFile(tokenPath, 'utf8')).trim();
    expect(token.length).toBeGreaterThanOrEqual(24);
    if (process.platform !== 'win32') expect((await lstat(tokenPath)).mode & 0o777).toBe(0o600);
    expect(output).toContain(tokenPath);
    expect(output).not.toContain(token);
  });
});
