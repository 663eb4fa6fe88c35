/**
 * A centre (`knockon serve`) and probe agents (`knockon agent`) as real child processes on real
 * sockets, for tests of the agent protocol end to end. Each process's output is kept line by
 * line and can be awaited; each can be killed (any signal) and started again with the same
 * arguments, data directory and, for the centre, port, so agents find it again.
 *
 * For partition tests in network namespaces: `wrap` runs a process under a prefix (such as
 * ['ip', 'netns', 'exec', 'ns-sg']), `centreHost` binds the centre elsewhere than loopback, and
 * an agent's `centre` overrides the URL it is given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, watch } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATUS_FILE, type AgentStatus } from '../../src/agent/status-file.ts';
import { hashAgentToken } from '../../src/engine/store/index.ts';
import { applyBoardMessage } from '../../src/shared/board-state.ts';
import type { BoardSnapshot } from '../../src/shared/model.ts';
import type { BoardMessage } from '../../src/shared/protocol.ts';
import { waitFor } from './wait.ts';

export const CLI = new URL('../../src/cli/knockon.ts', import.meta.url).pathname;

export interface ProcessSpec {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Runs the process under this prefix (a network namespace, a resource limit). */
  wrap?: string[];
}

/** One child process that can be killed and started again with the same command line. */
export class LabProcess {
  readonly spec: ProcessSpec;
  /** Every line of output since the first start, stdout and stderr together. */
  readonly lines: string[] = [];
  child: ChildProcess | null = null;
  /** Set when the process ends: its exit code, or the signal that ended it. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  start(): void {
    if (this.child && this.exit === null) throw new Error(`${this.spec.name} is already running`);
    const [command, ...prefix] = [...(this.spec.wrap ?? []), process.execPath];
    const child = spawn(command!, [...prefix, CLI, ...this.spec.args], {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exit = null;
    const collect = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.lines.push(line);
        this.changed();
      });
    };
    collect(child.stdout!);
    collect(child.stderr!);
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      this.changed();
    });
  }

  get running(): boolean {
    return this.child !== null && this.exit === null;
  }

  /** Resolves with the first line (since `from`) matching `pattern`. */
  waitForLine(pattern: RegExp, what: string, timeoutMs = 15_000, from = 0): Promise<RegExpExecArray> {
    return waitFor(
      (onChange) => this.subscribe(onChange),
      () => {
        for (let i = from; i < this.lines.length; i++) {
          const match = pattern.exec(this.lines[i]!);
          if (match) return match;
        }
        if (this.exit !== null)
          throw new Error(
            `${this.spec.name} exited (${JSON.stringify(this.exit)}) waiting for ${what}:\n${this.tail()}`,
          );
        return null;
      },
      `${this.spec.name}: ${what}`,
      timeoutMs,
    );
  }

  /** Sends a signal and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || this.exit !== null) return this.exit ?? { code: null, signal: null };
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
    return this.exit!;
  }

  /** Calls `onChange` whenever output arrives or the process exits. */
  subscribe(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  /** The last lines of output, for failure messages. */
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // A waiter's own failure is reported by its promise.
      }
    }
  }
}

/** The centre's board token: an admin, with or without `auth:` in the config. */
export const BOARD_TOKEN = 'board-token-for-tests';

export interface CentreOptions {
  /** The config file's text. */
  config: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** Bind address (default 127.0.0.1). */
  host?: string;
  wrap?: string[];
  /** Serve agents on the centre's agent port (`--agent-port`), and point the agents at it. */
  agentPort?: boolean;
}

export class LabCentre extends LabProcess {
  readonly dataDir: string;
  readonly configPath: string;
  port = 0;
  url = '';
  /** The agent port's URL (with `agentPort`), else the board's: where agents sync. */
  agentsUrl = '';
  private readonly agentPort: boolean;
  private agentPortNumber = 0;

  constructor(dir: string, options: CentreOptions) {
    const dataDir = join(dir, 'centre');
    const configPath = join(dir, 'knockon.yaml');
    super({
      name: 'centre',
      args: [
        'serve',
        '--config',
        configPath,
        '--data-dir',
        dataDir,
        '--host',
        options.host ?? '127.0.0.1',
        '--token',
        BOARD_TOKEN,
        ...(options.args ?? []),
      ],
      env: options.env ?? {},
      ...(options.wrap ? { wrap: options.wrap } : {}),
    });
    this.dataDir = dataDir;
    this.configPath = configPath;
    this.agentPort = options.agentPort ?? false;
  }

  /** The history database the centre writes. */
  get dbPath(): string {
    return join(this.dataDir, 'knockon.db');
  }

  /** Starts the centre (on its first port again after a restart) and resolves once it serves. */
  async up(): Promise<void> {
    const from = this.lines.length;
    const portArgs = ['--port', String(this.port)];
    if (this.agentPort) portArgs.push('--agent-port', String(this.agentPortNumber));
    const ours = new Set(['--port', '--agent-port']);
    const base = this.spec.args.filter((_, i, all) => !ours.has(all[i]!) && !ours.has(all[i - 1]!));
    this.spec.args = [...base, ...portArgs];
    this.start();
    const [, url] = await this.waitForLine(/Knockon board: (http:\/\/\S+)/, 'the board URL', 20_000, from);
    this.url = url!.replace(/\/$/, '');
    this.port = Number(new URL(this.url).port);
    this.agentsUrl = this.url;
    if (this.agentPort) {
      // Printed before the board's line: there already.
      const [, agents] = await this.waitForLine(/Knockon agents: (http:\/\/\S+)/, 'the agent port', 1_000, from);
      this.agentsUrl = agents!.replace(/\/$/, '');
      this.agentPortNumber = Number(new URL(this.agentsUrl).port);
    }
    await this.waitForLine(/config loaded from/, 'the config loaded', 20_000, from);
  }

  /** GET a JSON document from the board (the snapshot, a query). */
  async get<T = unknown>(path: string): Promise<T> {
    const res = await fetch(this.url + path, { headers: { authorization: `Bearer ${BOARD_TOKEN}` } });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** `knockon agent-token …` against this centre's database, as a separate process. */
  async agentToken(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return runCli(['agent-token', ...args, ...(args[0] === 'hash' ? [] : ['--data-dir', this.dataDir])], stdin);
  }
}

export interface AgentSpec {
  vantage: string;
  token: string;
  /** Overrides the centre's URL (another namespace reaches it elsewhere). */
  centre?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  wrap?: string[];
}

export class LabAgent extends LabProcess {
  readonly vantage: string;
  readonly dataDir: string;

  constructor(dir: string, centre: () => string, spec: AgentSpec) {
    const dataDir = join(dir, `agent-${spec.vantage}`);
    super({
      name: `agent ${spec.vantage}`,
      args: [],
      env: { ...spec.env, KNOCKON_AGENT_TOKEN: spec.token },
      ...(spec.wrap ? { wrap: spec.wrap } : {}),
    });
    this.vantage = spec.vantage;
    this.dataDir = dataDir;
    this.centreUrl = () => spec.centre ?? centre();
    this.extraArgs = spec.args ?? [];
  }

  private readonly centreUrl: () => string;
  private readonly extraArgs: string[];

  /** The agent's status file (agent-status.json), or null before it is written. */
  status(): AgentStatus | null {
    try {
      return JSON.parse(readFileSync(join(this.dataDir, STATUS_FILE), 'utf8')) as AgentStatus;
    } catch {
      return null;
    }
  }

  /** Resolves once the status file satisfies `check`, tested whenever the file is replaced. */
  statusUntil(check: (status: AgentStatus) => boolean, what: string, timeoutMs = 20_000): Promise<AgentStatus> {
    return waitFor(
      (onChange) => {
        const watcher = watch(this.dataDir, onChange);
        return () => watcher.close();
      },
      () => {
        const status = this.status();
        return status && check(status) ? status : null;
      },
      `${this.spec.name}: ${what}`,
      timeoutMs,
    );
  }

  /** Starts the agent and resolves once it runs (it need not have reached the centre). */
  async up(): Promise<void> {
    const from = this.lines.length;
    this.spec.args = [
      'agent',
      '--centre',
      this.centreUrl(),
      '--vantage',
      this.vantage,
      '--data-dir',
      this.dataDir,
      ...this.extraArgs,
    ];
    this.start();
    await this.waitForLine(/Knockon agent \S+: data in/, 'the agent started', 20_000, from);
  }
}

export interface AgentsLab {
  dir: string;
  centre: LabCentre;
  agents: Map<string, LabAgent>;
  /** Adds an agent (not started: `await lab.addAgent(spec).up()`). */
  addAgent(spec: AgentSpec): LabAgent;
  /** Stops every process still running (SIGTERM, then SIGKILL after 5 s) and removes the directory. */
  stop(): Promise<void>;
}

export interface AgentsLabOptions extends CentreOptions {
  agents: AgentSpec[];
  /** Start the agents (default true); false leaves them to the test. */
  startAgents?: boolean;
  /** Runs on the centre's data directory before the centre starts (a benchmark's history). */
  prepare?: (centreDataDir: string) => void | Promise<void>;
}

/** Starts a centre with `config`, then the agents; resolves once all run. */
export async function startAgentsLab(options: AgentsLabOptions): Promise<AgentsLab> {
  const dir = await mkdtemp(join(tmpdir(), 'knockon-agents-'));
  const centre = new LabCentre(dir, options);
  await mkdir(centre.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(centre.configPath, options.config);
  await options.prepare?.(centre.dataDir);
  const agents = new Map<string, LabAgent>();
  const lab: AgentsLab = {
    dir,
    centre,
    agents,
    addAgent: (spec) => {
      const agent = new LabAgent(dir, () => centre.agentsUrl, spec);
      agents.set(spec.vantage, agent);
      return agent;
    },
    stop: async () => {
      const all = [...agents.values(), centre];
      await Promise.all(
        all.map(async (p) => {
          if (!p.running) return;
          const timer = setTimeout(() => p.child?.kill('SIGKILL'), 5_000);
          await p.kill('SIGTERM');
          clearTimeout(timer);
        }),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await centre.up();
    for (const spec of options.agents) lab.addAgent(spec);
    if (options.startAgents !== false) await Promise.all([...agents.values()].map((a) => a.up()));
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return lab;
}

/** Runs the CLI once to completion. */
export function runCli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** A vantage entry for the config, with its token as token_sha256. */
export function vantageWithToken(id: string, token: string, extra = ''): string {
  return `  - { id: ${id}, name: ${id.toUpperCase()}, token_sha256: ${hashAgentToken(token)}, offline_after: 5s${extra ? `, ${extra}` : ''} }`;
}

/**
 * The board as a browser sees it: the event stream (/api/events) applied message by message
 * with the shared reducer. `until` resolves when a condition on the board holds, tested on
 * every message.
 */
export class BoardWatch {
  board: BoardSnapshot | null = null;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<() => void>();
  private readonly done: Promise<void>;

  constructor(url: string) {
    this.done = this.read(url).catch(() => {});
  }

  until<T>(
    check: (board: BoardSnapshot) => T | null | undefined | false,
    what: string,
    timeoutMs = 20_000,
  ): Promise<T> {
    return waitFor(
      (onChange) => {
        this.listeners.add(onChange);
        return () => this.listeners.delete(onChange);
      },
      () => (this.board ? check(this.board) : null),
      what,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(`${url}/api/events`, {
      signal: this.controller.signal,
      headers: { authorization: `Bearer ${BOARD_TOKEN}` },
    });
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!frame.startsWith('event: board') || data === undefined) continue;
        this.board = applyBoardMessage(this.board, JSON.parse(data) as BoardMessage);
        for (const l of [...this.listeners]) l();
      }
    }
  }
}
