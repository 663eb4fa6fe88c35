/**
 * The agent's commands: `knockon agent` (a probe agent at a remote vantage), `knockon
 * agent-health` (a container's health check), and `knockon agent-token` (agent tokens in the
 * centre's database, usable while the centre runs: SQLite's WAL lets both open it).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProbeAgent, DEFAULT_BUFFER_MAX, DEFAULT_SYNC_INTERVAL_MS } from '../agent/agent.ts';
import { syncUrl } from '../agent/client.ts';
import { agentHealth } from '../agent/status-file.ts';
import { systemClock } from '../engine/clock.ts';
import { hashAgentToken, HistoryStore, type AgentTokenRow } from '../engine/store/index.ts';
import { id as idSchema } from '../shared/config/common.ts';
import { DURATION_LIMITS, formatDuration, parseDuration } from '../shared/config/duration.ts';
import { isLoopbackHost } from '../server/client-address.ts';
import { KNOCKON_VERSION } from '../shared/version.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  logLine: (level: string, message: string) => void;
  onSignals: (stop: () => Promise<void>) => void;
  /** Where `serve` keeps its data when not told: the centre's database for agent-token. */
  defaultDataDir: () => string;
  readStdin: () => Promise<string>;
}

export const AGENT_USAGE = `  agent   --centre URL --vantage ID [--token-env KNOCKON_AGENT_TOKEN] [--data-dir DIR]
          [--ca-file FILE] [--buffer-max 100000] [--buffer-max-age 24h] [--sync-interval 750ms]
          Probe from a remote vantage for a centre (knockon serve) and send it the results.
          The agent token is read from the environment variable --token-env names. The
          checks come from the centre (the ones listing this vantage) and are kept in
          DIR/agent.db with the results not yet acknowledged (default DIR:
          $XDG_DATA_HOME/knockon/agent-ID): a restart while the centre is unreachable
          probes the last assignment and sends the backlog, in order, once it answers.
          HTTPS is verified against the system's CAs; --ca-file adds one.
  agent-health --data-dir DIR [--max-age 60s]
          Exit 0 while the agent on DIR is probing (its status file fresh), else 1 with
          the reason: a container health check.
  agent-token create [--data-dir DIR] --vantage ID [--name NAME] [--expires DURATION]
          Make an agent token bound to vantage ID in the centre's database (DIR as for
          serve). Prints it once: it is not kept and not shown again.
  agent-token list [--data-dir DIR]
          The centre's database tokens (never the tokens themselves).
  agent-token revoke [--data-dir DIR] --id ID
          Refuse a database token from now on (a running centre within 2 s).
  agent-token hash
          Read a token on stdin and print its SHA-256, for a vantage's token_sha256.`;

const MIN_SYNC_INTERVAL_MS = 100;

function durationOption(name: string, text: string | undefined, fallback: number, min: number, max: number) {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === null || ms < min || ms > max) {
    throw new UsageError(
      `--${name}: expected a duration from ${formatDuration(min)} to ${formatDuration(max)} such as "30s", got "${text}"`,
    );
  }
  return ms;
}

function vantageOption(text: string | undefined, command: string): string {
  if (text === undefined) throw new UsageError(`${command}: --vantage ID is required`);
  if (!idSchema.safeParse(text).success) {
    throw new UsageError(`--vantage: expected an id of 1-64 letters, digits, "-", "_" or ".", got "${text}"`);
  }
  return text;
}

/** A mistake on the command line: exit 2 with this message. */
export class UsageError extends Error {}

export async function agentCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      centre: { type: 'string' },
      vantage: { type: 'string' },
      'token-env': { type: 'string', default: 'KNOCKON_AGENT_TOKEN' },
      'data-dir': { type: 'string' },
      'ca-file': { type: 'string' },
      'buffer-max': { type: 'string' },
      'buffer-max-age': { type: 'string' },
      'sync-interval': { type: 'string' },
    },
  });
  if (values.centre === undefined) throw new UsageError('agent: --centre URL is required');
  let centre: URL;
  try {
    centre = syncUrl(values.centre);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const vantage = vantageOption(values.vantage, 'agent');
  const tokenEnv = values['token-env'];
  const token = process.env[tokenEnv];
  if (token === undefined || token.trim() === '') {
    throw new UsageError(`agent: no agent token in ${tokenEnv} (make one with "knockon agent-token create")`);
  }
  // Out of the environment the checks' *_env references read: no assignment can send it to a target.
  delete process.env[tokenEnv];
  const bufferMax = values['buffer-max'] === undefined ? DEFAULT_BUFFER_MAX : Number(values['buffer-max']);
  if (!Number.isInteger(bufferMax) || bufferMax < 1 || bufferMax > 10_000_000) {
    throw new UsageError(`--buffer-max: expected a whole number from 1 to 10000000, got "${values['buffer-max']}"`);
  }
  const bufferMaxAgeMs = durationOption(
    'buffer-max-age',
    values['buffer-max-age'],
    24 * 3_600_000,
    1_000,
    DURATION_LIMITS.general,
  );
  const syncIntervalMs = durationOption(
    'sync-interval',
    values['sync-interval'],
    DEFAULT_SYNC_INTERVAL_MS,
    MIN_SYNC_INTERVAL_MS,
    3_600_000,
  );
  const dataDir = resolve(values['data-dir'] ?? join(io.defaultDataDir(), `agent-${vantage}`));
  let agent: ProbeAgent;
  try {
    agent = new ProbeAgent({
      centre: values.centre,
      vantage,
      token: token.trim(),
      dataDir,
      caFile: values['ca-file'] ? resolve(values['ca-file']) : null,
      bufferMax,
      bufferMaxAgeMs,
      syncIntervalMs,
      version: KNOCKON_VERSION,
      log: io.logLine,
    });
  } catch (error) {
    io.err(`agent: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (centre.protocol === 'http:' && !isLoopbackHost(centre.hostname)) {
    io.logLine('warn', `the centre is plain http: the agent token and results cross the network unencrypted`);
  }
  // As in the engine's worker: a stray rejection is logged, not allowed to stop the probing.
  process.on('unhandledRejection', (reason) =>
    io.logLine('error', `unhandled rejection in the agent: ${String(reason)}`),
  );
  agent.start();
  // Stoppable before the line that says it runs: whoever waits for that line may signal at once.
  io.onSignals(() => agent.stop());
  io.out(`Knockon agent ${vantage}: data in ${dataDir}`);
  return new Promise(() => {});
}

export async function agentHealthCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, 'max-age': { type: 'string' } },
  });
  if (values['data-dir'] === undefined) throw new UsageError('agent-health: --data-dir DIR is required');
  const maxAgeMs = durationOption('max-age', values['max-age'], 60_000, 1_000, DURATION_LIMITS.general);
  const health = agentHealth(resolve(values['data-dir']), maxAgeMs);
  if (health.healthy) io.out(`healthy: ${health.message}`);
  else io.err(`unhealthy: ${health.message}`);
  return health.healthy ? 0 : 1;
}

export async function agentTokenCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'hash') {
    const token = (await io.readStdin()).trim();
    if (token === '') throw new UsageError('agent-token hash: give the token on stdin');
    io.out(hashAgentToken(token));
    return 0;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    throw new UsageError(`agent-token: expected create, list, revoke or hash, got "${sub ?? ''}"`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      'data-dir': { type: 'string' },
      vantage: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
      id: { type: 'string' },
    },
  });
  const dataDir = resolve(values['data-dir'] ?? process.env.KNOCKON_DATA_DIR ?? io.defaultDataDir());
  // Validated before the database is opened: a typo creates nothing.
  const spec =
    sub === 'create'
      ? {
          vantage: vantageOption(values.vantage, 'agent-token create'),
          name: values.name ?? `agent ${values.vantage}`,
          expiresMs: durationOption('expires', values.expires, 0, 60_000, DURATION_LIMITS.retention),
        }
      : null;
  if (sub === 'revoke' && !values.id) throw new UsageError('agent-token revoke: --id ID is required');
  if (spec && (spec.name.length === 0 || spec.name.length > 100)) {
    throw new UsageError('--name: expected 1 to 100 characters');
  }
  const store = new HistoryStore({ dataDir, clock: systemClock, timers: false });
  try {
    if (spec) {
      const expiresAt = spec.expiresMs > 0 ? Date.now() + spec.expiresMs : null;
      const made = store.createAgentToken({ vantage: spec.vantage, name: spec.name, expiresAt });
      io.out(made.token);
      io.err(
        `agent token ${made.id} for vantage ${spec.vantage}${expiresAt ? `, expires ${new Date(expiresAt).toISOString()}` : ''}`,
      );
      io.err('This token is not shown again: give it to the agent now (its KNOCKON_AGENT_TOKEN).');
      return 0;
    }
    if (sub === 'list') {
      const rows = store.listAgentTokens();
      if (rows.length === 0) io.err(`no agent tokens in ${store.path} (config tokens are in the config)`);
      for (const row of rows) io.out(describeToken(row));
      return 0;
    }
    const revoked = store.revokeAgentToken(values.id!);
    if (revoked) io.out(`revoked ${values.id}`);
    else io.err(`no agent token ${values.id} that is not revoked already`);
    return revoked ? 0 : 1;
  } finally {
    store.close();
  }
}

function describeToken(row: AgentTokenRow): string {
  const at = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  const state =
    row.revokedAt !== null
      ? `revoked ${at(row.revokedAt)}`
      : row.expiresAt !== null && row.expiresAt <= Date.now()
        ? `expired ${at(row.expiresAt)}`
        : 'active';
  const expires = row.expiresAt === null ? 'never expires' : `expires ${at(row.expiresAt)}`;
  return `${row.id}  ${row.vantage.padEnd(12)} ${state.padEnd(32)} created ${at(row.createdAt)}  last used ${at(row.lastUsedAt)}  ${expires}  ${row.name}`;
}
