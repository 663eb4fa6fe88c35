#!/usr/bin/env node
/**
 * knockon: the command line. `serve` runs the headless board, `check` probes once for scripts
 * and CI, `demo` runs the demo lab on its own, `agent` probes from a remote vantage for a
 * centre (with `agent-health` and `agent-token` beside it).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoLab } from '../demo/lab.ts';
import { DEMO_PORTS_FILE } from '../demo/lab-ports.ts';
import { EngineHost } from '../engine/host.ts';
import { startBoardServer, type MetricsAuth } from '../server/board-server.ts';
import { loadOrCreateBoardToken } from '../server/board-token.ts';
import { hostNameOf } from '../server/client-address.ts';
import {
  AGENT_USAGE,
  agentCommand,
  agentHealthCommand,
  agentTokenCommand,
  UsageError,
  type CliIo,
} from './agent-commands.ts';
import { checkOnce, EXIT_BAD_CONFIG } from './check-once.ts';
import { hashPasswordCommand } from './hash-password.ts';
import { systemClock } from '../engine/clock.ts';
import { loadConfigFile } from '../engine/config/load.ts';
import { formatIssue } from '../engine/config/parse.ts';
import type { AuthConfig } from '../shared/config/auth.ts';
import { setupAuth, type AuthSetup } from '../server/auth/setup.ts';
import { isLoopbackHost } from '../server/client-address.ts';
import { engineWorkerPath, rendererDir } from './paths.ts';

const USAGE = `Usage: knockon <command> [options]

Commands:
  serve   [--config FILE] [--host 127.0.0.1] [--port 8080] [--token TOKEN] [--data-dir DIR]
          [--allowed-host NAME]... [--max-connections 512]
          [--metrics-token-env NAME | --metrics-basic-auth-env NAME] [--tls-cert FILE --tls-key FILE]
          [--agent-port PORT [--agent-host HOST]]
          Run the engine and serve the board to browsers. Without --config, runs the
          built-in demo lab (Hong Kong primary, Singapore backup) on loopback.
          Actions (acknowledge, failover) need the token (--token, KNOCKON_TOKEN, or a
          random one kept in DIR/board-token, mode 0600). The board answers only to
          loopback names and the address it is bound to (all the machine's own names on
          0.0.0.0); add others (a DNS name) with --allowed-host. --max-connections bounds
          the sockets the board holds, so it can never starve the probes.
          History goes to --data-dir (KNOCKON_DATA_DIR,
          default $XDG_DATA_HOME/knockon). The demo's outage cycle: --demo-outage-every MS
          (default 180000; 0 for none) and --demo-first-outage MS (default 60000).
          Open /?wall=1 for the rotating wall display. GET /metrics serves Prometheus;
          it asks for the bearer token in the environment variable --metrics-token-env names,
          or for basic auth "user:password" in the one --metrics-basic-auth-env names.
          With an auth: section in the config, people sign in (README, Users and sign-in);
          without one, binding to anything but loopback is refused. --tls-cert/--tls-key
          serve HTTPS (PEM files, read again when they change; session cookies get Secure).
          --agent-port serves probe agents' syncs on a port of their own, read by the
          engine's thread (cheaper for many agents; the board's port still takes them), on
          --agent-host (default: --host), with the same TLS files; nothing else is served there.
  hash-password
          Read a password from stdin and print its scrypt hash for auth.users[].password_hash.
  check   --config FILE --once [--json]
          Probe every check once. Prints one line per check (JSON with --json).
          Exit 0 when none is down, 1 when any is down, 2 when the config is invalid.
  demo    Run the demo lab on its own and print its config.
${AGENT_USAGE}

Options:
  -h, --help  Show this help.`;

/** XDG's data directory, as Linux desktops expect; macOS and Windows users pass --data-dir. */
function defaultDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'knockon');
}

const out = (line: string) => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(line + '\n');
const logLine = (level: string, message: string) => err(`${new Date().toISOString()} ${level.padEnd(5)} ${message}`);

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(130);
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** /metrics credentials from the environment variables the flags name; a string is the error. */
function metricsAuthFrom(tokenEnv: string | undefined, basicEnv: string | undefined): MetricsAuth | null | string {
  if (tokenEnv !== undefined && basicEnv !== undefined) {
    return '--metrics-token-env and --metrics-basic-auth-env: give one of them, not both';
  }
  const name = tokenEnv ?? basicEnv;
  if (name === undefined) return null;
  const flag = tokenEnv !== undefined ? '--metrics-token-env' : '--metrics-basic-auth-env';
  const value = process.env[name];
  if (!value) return `${flag}: environment variable ${name} is not set`;
  if (tokenEnv !== undefined) return { bearer: value };
  const colon = value.indexOf(':');
  if (colon < 1) return `${flag}: ${name} must hold "user:password"`;
  return { basic: { username: value.slice(0, colon), password: value.slice(colon + 1) } };
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'demo-outage-every': { type: 'string' },
      'demo-first-outage': { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'max-connections': { type: 'string' },
      'metrics-token-env': { type: 'string' },
      'metrics-basic-auth-env': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'agent-port': { type: 'string' },
      'agent-host': { type: 'string' },
    },
  });
  const metricsAuth = metricsAuthFrom(values['metrics-token-env'], values['metrics-basic-auth-env']);
  if (typeof metricsAuth === 'string') {
    err(metricsAuth);
    return 2;
  }
  const maxConnections = values['max-connections'] === undefined ? undefined : Number(values['max-connections']);
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 16)) {
    err(`--max-connections: expected a whole number of at least 16, got "${values['max-connections']}"`);
    return 2;
  }
  const badHost = (values['allowed-host'] ?? []).find((name) => hostNameOf(name) === null);
  if (badHost !== undefined) {
    err(`--allowed-host: expected a host name (name, name:port or [v6 address]), got "${badHost}"`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    err(`--port: expected a port number 0-65535, got "${values.port}"`);
    return 2;
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    err('--tls-cert and --tls-key: give both (PEM files), or neither');
    return 2;
  }
  const agentPort = values['agent-port'] === undefined ? null : Number(values['agent-port']);
  if (agentPort !== null && (!/^\d+$/.test(values['agent-port']!) || agentPort > 65535)) {
    err(`--agent-port: expected a port number 0-65535, got "${values['agent-port']}"`);
    return 2;
  }
  if (values['agent-host'] !== undefined && agentPort === null) {
    err('--agent-host: give --agent-port too (the port agents sync on)');
    return 2;
  }
  const tlsFiles =
    values['tls-cert'] && values['tls-key']
      ? { certFile: resolve(values['tls-cert']), keyFile: resolve(values['tls-key']) }
      : null;
  const configPath = values.config ? resolve(values.config) : null;
  const dataDir = resolve(values['data-dir'] ?? process.env.KNOCKON_DATA_DIR ?? defaultDataDir());
  const lab = configPath
    ? null
    : await startDemoLab({
        log: (m) => logLine('info', m),
        outageEveryMs: Number(values['demo-outage-every'] ?? 180_000),
        // End-to-end tests need the outage within seconds, not after the default minute.
        ...(values['demo-first-outage'] ? { firstOutageAfterMs: Number(values['demo-first-outage']) } : {}),
        portsFile: join(dataDir, DEMO_PORTS_FILE),
      });
  const given = values.token ?? process.env.KNOCKON_TOKEN;
  // A log is read by many and kept for long: a generated token goes to a file only this user reads.
  const tokenFile = given === undefined ? await loadOrCreateBoardToken(dataDir) : null;
  const token = given ?? tokenFile!.token;
  // auth: is read here too (the engine reads the rest): the server signs people in, not the engine.
  let auth: AuthConfig | undefined;
  if (configPath) {
    const loaded = await loadConfigFile(configPath);
    if (loaded.ok) auth = loaded.config.auth;
    else if (!isLoopbackHost(values.host)) {
      err(`${configPath}: invalid, so its auth: section cannot be trusted:`);
      for (const issue of loaded.issues.slice(0, 10)) err(`  ${formatIssue(issue)}`);
      return EXIT_BAD_CONFIG;
    }
  }
  const host = new EngineHost({
    workerPath: engineWorkerPath,
    configPath,
    demoConfigText: lab?.configText ?? null,
    dataDir,
    log: logLine,
    agentPort:
      agentPort === null ? null : { host: values['agent-host'] ?? values.host, port: agentPort, tls: tlsFiles },
  });
  let authSetup: AuthSetup;
  try {
    authSetup = await setupAuth({
      auth,
      host: values.host,
      source: host,
      dataDir,
      boardToken: token,
      clock: systemClock,
    });
  } catch (error) {
    err(error instanceof Error ? error.message : String(error));
    return EXIT_BAD_CONFIG;
  }
  host.start();
  let agentsUrl: string | null = null;
  if (agentPort !== null) {
    try {
      agentsUrl = await host.agentPortUrl();
    } catch {
      // The worker has logged why (the address in use, the engine not starting).
      err('knockon serve: the agent port did not open, so the centre does not start');
      authSetup.close();
      await host.stop();
      await lab?.stop();
      return 1;
    }
  }
  const board = await startBoardServer({
    ...authSetup.options,
    staticDir: rendererDir,
    host: values.host,
    port,
    token,
    allowedHosts: values['allowed-host'] ?? [],
    ...(maxConnections === undefined ? {} : { maxConnections }),
    ...(metricsAuth ? { metricsAuth } : {}),
    ...(tlsFiles
      ? {
          tls: {
            ...tlsFiles,
            onReload: ({ ok, message }: { ok: boolean; message: string }) => logLine(ok ? 'info' : 'error', message),
          },
        }
      : {}),
  });
  if (tokenFile) {
    logLine(
      'info',
      `actions (acknowledge, failover) need the board token in ${tokenFile.path}` +
        `${tokenFile.created ? ' (new)' : ''} (or set --token or KNOCKON_TOKEN)`,
    );
  }
  logLine('info', `history in ${dataDir}`);
  if (!isLoopbackHost(values.host)) {
    logLine('warn', `the board is reachable from other machines on ${values.host}`);
    if (!values['allowed-host']?.length) {
      logLine('info', 'a browser reaching it by a DNS name gets 421 until that name is given with --allowed-host');
    }
  }
  logLine('info', `board on ${board.url} (${configPath ?? 'built-in demo'})`);
  // Stoppable before the line that says it runs: whoever waits for that line may signal at once.
  onSignals(async () => {
    await board.close();
    authSetup.close();
    await host.stop();
    await lab?.stop();
  });
  if (agentsUrl !== null) {
    logLine('info', `agents sync on ${agentsUrl} (the agent port; the board's port takes them too)`);
    out(`Knockon agents: ${agentsUrl}`);
  }
  out(`Knockon board: ${board.url}`);
  return new Promise(() => {});
}

async function check(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string' }, once: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (!values.config) {
    err('check: --config FILE is required');
    return EXIT_BAD_CONFIG;
  }
  if (!values.once) {
    err('check: only --once is supported (use "knockon serve" to probe continuously)');
    return EXIT_BAD_CONFIG;
  }
  return checkOnce(resolve(values.config), out, err, values.json ?? false);
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'outage-every': { type: 'string' } } });
  const lab = await startDemoLab({
    log: (m) => logLine('info', m),
    outageEveryMs: Number(values['outage-every'] ?? 180_000),
  });
  out(lab.configText);
  logLine('info', 'demo lab running; save the config above and point "knockon serve --config" at it. Ctrl-C stops.');
  onSignals(() => lab.stop());
  return new Promise(() => {});
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A token is short: anything this long is not one.
    if (size > 64 * 1024) throw new UsageError('stdin: more than 64 KiB; expected one token');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const io: CliIo = { out, err, logLine, onSignals, defaultDataDir, readStdin };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command?.startsWith('agent') && (rest.includes('--help') || rest.includes('-h'))) {
    out(USAGE);
    return 0;
  }
  switch (command) {
    case 'agent':
      return agentCommand(rest, io);
    case 'agent-health':
      return agentHealthCommand(rest, io);
    case 'agent-token':
      return agentTokenCommand(rest, io);
    case 'serve':
      return serve(rest);
    case 'check':
      return check(rest);
    case 'hash-password':
      return hashPasswordCommand(io);
    case 'demo':
      return demo(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      err(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    err(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
