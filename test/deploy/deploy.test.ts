/**
 * The deployment recipes (deploy/): no image registry or container daemon here, so what can be
 * checked is checked: every file parses, every command they run is a real knockon subcommand
 * with real flags (read from the CLI's own --help), the configs they mount are valid Knockon
 * configs, the image runs as a fixed non-root user with a health check, the agent command line
 * they use starts an agent, and the image's health check (deploy/healthcheck.ts) judges a real
 * agent and a real centre started with the recipes' command lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { freePort } from '../support/ports.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const CLI = join(root, 'src/cli/knockon.ts');
const HEALTHCHECK = join(root, 'deploy/healthcheck.ts');

/** Runs the image's health check (deploy/healthcheck.ts) with `args`, as HEALTHCHECK would. */
function healthcheck(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HEALTHCHECK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Starts `knockon <args>` and resolves once a line of its output matches `ready`. */
async function startKnockon(args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`knockon ${args[0]} exited with ${code}:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  };
  return { child, stop };
}

/** Each subcommand's flags, as the CLI's --help lists them. */
function cliFlags(): Map<string, Set<string>> {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
  const flags = new Map<string, Set<string>>();
  let current: string | null = null;
  for (const line of help.split('\n')) {
    const head = /^ {2}([a-z][a-z-]*(?: [a-z]+)?)\s{2,}|^ {2}([a-z][a-z-]*)\s/.exec(line);
    if (head) {
      current = (head[1] ?? head[2])!.split(' ')[0]!;
      if (!flags.has(current)) flags.set(current, new Set());
    }
    if (current) for (const m of line.matchAll(/--[a-z][a-z-]*/g)) flags.get(current)!.add(m[0]);
  }
  return flags;
}

const FLAGS = cliFlags();

/** Asserts a knockon argument list uses a real subcommand and only its flags. */
function expectRealCommand(args: readonly string[], where: string): void {
  const [command, ...rest] = args;
  expect(FLAGS.has(command!), `${where}: unknown subcommand ${command}`).toBe(true);
  for (const arg of rest) {
    if (!arg.startsWith('--')) continue;
    expect(FLAGS.get(command!)!.has(arg), `${where}: ${command} has no flag ${arg}`).toBe(true);
  }
}

interface PodOwnerSpec {
  template: {
    spec: {
      securityContext: { runAsNonRoot?: boolean };
      containers: { args: string[]; livenessProbe?: { exec?: { command: string[] } } }[];
    };
  };
}

/** The Containerfile's instructions, continuation lines joined. */
function instructions(text: string): { op: string; args: string }[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

describe('deployment recipes', () => {
  it('knows the CLI it deploys', () => {
    expect(FLAGS.get('agent')).toEqual(
      new Set([
        '--centre',
        '--vantage',
        '--token-env',
        '--data-dir',
        '--ca-file',
        '--buffer-max',
        '--buffer-max-age',
        '--sync-interval',
      ]),
    );
    expect(FLAGS.get('serve')?.has('--allowed-host')).toBe(true);
    expect(FLAGS.get('agent-health')).toEqual(new Set(['--data-dir', '--max-age']));
  });

  it('builds an image that runs as a fixed non-root user, with a health check and the CLI as entrypoint', () => {
    const steps = instructions(read('deploy/Containerfile'));
    const last = steps.map((s) => s.op).lastIndexOf('FROM');
    const runtime = steps.slice(last);
    const user = runtime.find((s) => s.op === 'USER')!.args;
    expect(user).toMatch(/^[1-9]\d{3,}(:\d+)?$/);
    const health = runtime.find((s) => s.op === 'HEALTHCHECK')!.args;
    const healthArgs = JSON.parse(health.slice(health.indexOf('CMD') + 3).trim()) as string[];
    // One check for both roles (deploy/healthcheck.ts reads what the container runs), in the image.
    expect(healthArgs).toEqual(['node', '/app/deploy/healthcheck.ts']);
    expect(runtime.some((s) => s.op === 'COPY' && s.args.includes('/app/deploy/healthcheck.ts'))).toBe(true);
    const entry = JSON.parse(runtime.find((s) => s.op === 'ENTRYPOINT')!.args) as string[];
    expect(entry).toEqual(['node', '/app/src/cli/knockon.ts']);
    expectRealCommand(JSON.parse(runtime.find((s) => s.op === 'CMD')!.args) as string[], 'CMD');
    expect(runtime.some((s) => s.op === 'ENV' && /\bTZ=/.test(s.args))).toBe(true);
    expect(runtime.some((s) => s.op === 'RUN' && s.args.includes('tzdata'))).toBe(true);
  });

  it('composes a centre and two agents with real commands and a valid config', () => {
    const compose = parseYaml(read('deploy/compose.yaml')) as {
      services: Record<string, { command: string[]; healthcheck?: { test: string[] }; environment?: object }>;
    };
    expect(Object.keys(compose.services)).toEqual(['centre', 'agent-sg', 'agent-tyo']);
    for (const [name, service] of Object.entries(compose.services)) {
      expectRealCommand(service.command, `compose ${name}`);
      // The image's health check serves the centre and the agents alike: nothing overrides it.
      expect(service.healthcheck, `compose ${name}`).toBeUndefined();
    }
    expect(compose.services['agent-sg']!.command).toContain('sg');
    const config = parseConfigText(read('deploy/compose/knockon.yaml'), 'deploy/compose/knockon.yaml');
    expect(config.ok ? config.config.vantages.map((v) => v.id) : config.issues).toEqual(['sg', 'tyo']);
  });

  it('gives Kubernetes a centre and a Deployment per vantage, non-root, with probes and real commands', () => {
    const docs = ['deploy/kubernetes/centre.yaml', 'deploy/kubernetes/agents.yaml'].flatMap((file) =>
      parseAllDocuments(read(file)).map((d) => {
        expect(d.errors, file).toEqual([]);
        return d.toJS() as {
          kind: string;
          metadata: { name: string };
          spec?: PodOwnerSpec;
          data?: Record<string, string>;
        };
      }),
    );
    const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Namespace/knockon',
        'ConfigMap/knockon-config',
        'Deployment/knockon-centre',
        'Service/knockon-centre',
        'Deployment/knockon-agent-sg',
        'Deployment/knockon-agent-tyo',
        'Secret/knockon-agent-sg',
      ]),
    );
    for (const d of docs.filter((x) => x.kind === 'Deployment')) {
      const pod = d.spec!.template.spec;
      expect(pod.securityContext.runAsNonRoot, d.metadata.name).toBe(true);
      const container = pod.containers[0]!;
      expectRealCommand(container.args, d.metadata.name);
      expect(container.livenessProbe, d.metadata.name).toBeDefined();
      const exec = container.livenessProbe?.exec?.command;
      if (exec) expectRealCommand(exec.slice(2), `${d.metadata.name} liveness`);
    }
    const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
    const config = parseConfigText(configMap.data!['knockon.yaml']!, 'ConfigMap knockon-config');
    expect(config.ok ? config.config.vantages.map((v) => v.id) : config.issues).toEqual(['sg', 'tyo']);
  });

  it("starts an agent with the recipes' command line, which keeps retrying a centre that is not there and stops cleanly", async () => {
    const compose = parseYaml(read('deploy/compose.yaml')) as { services: Record<string, { command: string[] }> };
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'knockon-deploy-'));
    const args = compose.services['agent-sg']!.command.map((a) =>
      a === 'http://centre:8081' ? `http://127.0.0.1:${port}` : a === '/data' ? dir : a,
    );
    const agent = await startKnockon(
      args,
      { KNOCKON_AGENT_TOKEN: 'kna_deploy-test-token' },
      /Knockon agent sg: data in/,
    );
    // The image's health check, reading the agent's command line as it reads PID 1's in a container.
    const health = await healthcheck(['--pid', String(agent.child.pid)]);
    expect(health, health.output).toMatchObject({ code: 0, output: expect.stringMatching(/^healthy: /) });
    expect(await agent.stop()).toBe(0);
  });

  it("judges a centre started with the image's own command healthy by GET /healthz, and unhealthy once it stops", async () => {
    const steps = instructions(read('deploy/Containerfile'));
    const cmd = JSON.parse(steps.findLast((s) => s.op === 'CMD')!.args) as string[];
    const dir = mkdtempSync(join(tmpdir(), 'knockon-deploy-centre-'));
    writeFileSync(join(dir, 'knockon.yaml'), 'checks:\n  - { id: here, type: tcp, host: 127.0.0.1, port: 9 }\n');
    const port = String(await freePort());
    const agentPort = String(await freePort());
    // Loopback rather than every interface; the rest as the image runs it.
    expect(cmd).toContain('8081');
    const args = cmd.map((a) =>
      a === '/etc/knockon/knockon.yaml'
        ? join(dir, 'knockon.yaml')
        : a === '/data'
          ? dir
          : a === '8080'
            ? port
            : a === '8081'
              ? agentPort
              : a === '0.0.0.0'
                ? '127.0.0.1'
                : a,
    );
    const centre = await startKnockon(args, { KNOCKON_TOKEN: 'deploy-test-board-token' }, /Knockon board: http/);
    try {
      const health = await healthcheck(['--pid', String(centre.child.pid)]);
      expect(health, health.output).toMatchObject({
        code: 0,
        output: expect.stringContaining(`:${port}/healthz answered 200`),
      });
      // The agent port, which the image's command opens, is asked too.
      expect(health.output).toContain(`:${agentPort}/healthz answered 200`);
    } finally {
      await centre.stop();
    }
    const after = await healthcheck(['--', ...args]);
    expect(after.code, after.output).toBe(1);
    expect(after.output).toMatch(/^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz/);
  });
});
