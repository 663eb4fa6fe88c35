#!/usr/bin/env node
/**
 * The image's HEALTHCHECK. One image runs either the centre (`knockon serve`) or a probe agent
 * (`knockon agent`), so this reads what the container runs (PID 1's command line, another
 * process's with `--pid`, or the knockon arguments given after `--`) and checks that:
 * - `agent`: `knockon agent-health --data-dir <the agent's data dir>` (its status file is fresh:
 *   at most KNOCKON_HEALTH_MAX_AGE old, 90s by default, three of the agent's status intervals
 *   and then some);
 * - `serve`: `GET /healthz` on the board's port answers 200, and on the agent port too when
 *   `--agent-port` is given;
 * - anything else (`check`, `demo`, `agent-token`): nothing to watch, healthy.
 * Exit 0 healthy, 1 not (the reason on stderr), as HEALTHCHECK expects.
 *
 *   node deploy/healthcheck.ts                       # in the container
 *   node deploy/healthcheck.ts --pid 4242            # another process's command
 *   node deploy/healthcheck.ts -- agent --vantage sg --data-dir /data ...   # given the command
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/knockon.ts', import.meta.url));

/** The knockon arguments (subcommand first) of the container's main process. */
function containerCommand(): string[] {
  const given = process.argv.indexOf('--');
  if (given !== -1) return process.argv.slice(given + 1);
  // PID 1 is node (exec-form ENTRYPOINT) or an init (docker run --init) that started it.
  const pid = flag(process.argv.slice(2), 'pid') ?? '1';
  if (!/^[1-9]\d*$/.test(pid)) throw new Error(`--pid: expected a process id, got "${pid}"`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const script = argv.findIndex((a) => /(^|\/)knockon(\.ts|\.js)?$/.test(a));
  return script === -1 ? [] : argv.slice(script + 1);
}

/** A flag's value in `--name value` or `--name=value` form; the last one wins, as parseArgs does. */
function flag(args: string[], name: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === `--${name}`) value = args[i + 1];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  });
  return value;
}

function agentHealthy(args: string[]): number {
  // The agent's own default when --data-dir is not given (src/cli/agent-commands.ts).
  const dataDir =
    flag(args, 'data-dir') ??
    join(
      process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'),
      'knockon',
      `agent-${flag(args, 'vantage') ?? ''}`,
    );
  const maxAge = process.env.KNOCKON_HEALTH_MAX_AGE || '90s';
  const run = spawnSync(process.execPath, [CLI, 'agent-health', '--data-dir', dataDir, '--max-age', maxAge], {
    stdio: 'inherit',
    timeout: 10_000,
  });
  return run.status === 0 ? 0 : 1;
}

/** GET /healthz on a port of a `serve` bound to `bound`; 0 when it answers 200. */
async function answers(bound: string, port: string): Promise<number> {
  // On every interface, loopback reaches it; on one address, only that address does.
  const host = bound === '0.0.0.0' ? '127.0.0.1' : bound === '::' || bound === '[::]' ? '[::1]' : bound;
  const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (response.ok) {
      process.stdout.write(`healthy: ${url} answered ${response.status}\n`);
      return 0;
    }
    process.stderr.write(`unhealthy: ${url} answered ${response.status}\n`);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    process.stderr.write(`unhealthy: ${url}: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
  }
  return 1;
}

/** The board's port, and the agent port when there is one (agents cannot sync without it). */
async function boardHealthy(args: string[]): Promise<number> {
  const host = flag(args, 'host') ?? '127.0.0.1';
  if ((await answers(host, flag(args, 'port') ?? '8080')) !== 0) return 1;
  const agentPort = flag(args, 'agent-port');
  return agentPort === undefined ? 0 : answers(flag(args, 'agent-host') ?? host, agentPort);
}

async function main(): Promise<number> {
  const [command, ...args] = containerCommand();
  if (command === 'agent') return agentHealthy(args);
  if (command === 'serve' || command === undefined) return boardHealthy(args);
  process.stdout.write(`healthy: "knockon ${command}" has no health check\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`unhealthy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
