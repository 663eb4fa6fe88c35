/**
 * The agent's commands as a person (or a container runtime) runs them: agent-token against a
 * database, agent-health's exit codes, and agent's refusals before it starts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStatusFile, type AgentStatus } from '../../src/agent/status-file.ts';
import { hashAgentToken } from '../../src/engine/store/index.ts';
import { runCli } from '../support/agents-lab.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'knockon-agent-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('knockon agent-token', () => {
  it('creates (printing the token once), lists without secrets, and revokes', async () => {
    const data = join(dir, 'centre');
    const made = await runCli(['agent-token', 'create', '--data-dir', data, '--vantage', 'sg', '--expires', '30d']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^kna_[A-Za-z0-9_-]{40,}$/);
    expect(made.stderr).toMatch(/agent token (t_[0-9a-f]{8}) for vantage sg, expires \d{4}-/);
    expect(made.stderr).toContain('not shown again');
    const id = /(t_[0-9a-f]{8})/.exec(made.stderr)![1]!;
    const listed = await runCli(['agent-token', 'list', '--data-dir', data]);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+sg\\s+active`));
    expect(listed.stdout + listed.stderr).not.toContain(token);
    expect(listed.stdout).not.toContain(hashAgentToken(token));
    expect(await runCli(['agent-token', 'revoke', '--data-dir', data, '--id', id])).toMatchObject({
      code: 0,
      stdout: `revoked ${id}\n`,
    });
    expect((await runCli(['agent-token', 'list', '--data-dir', data])).stdout).toMatch(
      new RegExp(`${id}\\s+sg\\s+revoked`),
    );
    expect((await runCli(['agent-token', 'revoke', '--data-dir', data, '--id', id])).code).toBe(1);
  });

  it('hashes a token from stdin for token_sha256', async () => {
    expect(await runCli(['agent-token', 'hash'], 'kna_abc\n')).toMatchObject({
      code: 0,
      stdout: `${hashAgentToken('kna_abc')}\n`,
    });
    expect((await runCli(['agent-token', 'hash'], '')).code).toBe(2);
  });

  it('refuses mistakes before touching a database', async () => {
    const data = join(dir, 'untouched');
    const bad = await runCli(['agent-token', 'create', '--data-dir', data, '--vantage', 'no spaces']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--vantage');
    expect(
      (await runCli(['agent-token', 'create', '--data-dir', data, '--vantage', 'sg', '--expires', '5'])).code,
    ).toBe(2);
    expect((await runCli(['agent-token', 'frobnicate'])).code).toBe(2);
    expect(existsSync(data)).toBe(false);
  });
});

describe('knockon agent-health', () => {
  const status = (extra: Partial<AgentStatus>): AgentStatus => ({
    at: Date.now(),
    state: 'running',
    vantage: 'sg',
    connected: true,
    lastSyncAt: Date.now(),
    lastError: null,
    buffered: 3,
    dropped: 0,
    checks: 4,
    online: true,
    reason: null,
    pid: 1,
    ...extra,
  });

  it('exits 0 while the status file is fresh, 1 with the reason otherwise', async () => {
    const data = join(dir, 'agent');
    expect(await runCli(['agent-health', '--data-dir', data])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('the agent has not started here'),
    });
    mkdirSync(data, { recursive: true });
    writeStatusFile(data, status({ connected: false, lastError: 'HTTP 503: not now' }));
    const fresh = await runCli(['agent-health', '--data-dir', data]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('probing 4 checks from sg; not synced with the centre (HTTP 503: not now)');
    writeStatusFile(data, status({ at: Date.now() - 90_000 }));
    const stale = await runCli(['agent-health', '--data-dir', data]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/status is 9\d s old \(more than 60 s\)/);
    expect((await runCli(['agent-health', '--data-dir', data, '--max-age', '2m'])).code).toBe(0);
    writeStatusFile(data, status({ state: 'stopped' }));
    expect((await runCli(['agent-health', '--data-dir', data])).stderr).toContain('the agent has stopped');
  });
});

describe('knockon agent', () => {
  it('refuses to start without a token, a URL it can use, or a valid vantage (exit 2)', async () => {
    const data = join(dir, 'never');
    const noToken = await runCli(['agent', '--centre', 'http://127.0.0.1:9', '--vantage', 'sg', '--data-dir', data]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('no agent token in KNOCKON_AGENT_TOKEN');
    const badUrl = await runCli(['agent', '--centre', 'ftp://x', '--vantage', 'sg', '--data-dir', data]);
    expect(badUrl).toMatchObject({ code: 2, stderr: expect.stringContaining('http or https') });
    const withCreds = await runCli(['agent', '--centre', 'https://u:p@x', '--vantage', 'sg', '--data-dir', data]);
    expect(withCreds).toMatchObject({ code: 2, stderr: expect.stringContaining('no credentials') });
    expect((await runCli(['agent', '--centre', 'https://x', '--vantage', '-bad-', '--data-dir', data])).code).toBe(2);
    const help = await runCli(['agent', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('agent-token hash');
  });
});
