/**
 * The engine worker thread's entry point. Plain Node.js: never imports electron.
 * Speaks `EngineCommand` in and `EngineEvent` out over the worker's parent port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { boardText, EngineCommandSchema, type EngineCommand, type EngineEvent } from '../shared/protocol.ts';
import { systemClock } from './clock.ts';
import { parseConfigText } from './config/parse.ts';
import { readConfigFile } from './config/read.ts';
import { ConfigEditor } from './config/edit.ts';
import { configReloader } from './config/reload.ts';
import { watchConfigFile } from './config/watch.ts';
import { Engine } from './engine.ts';
import { installModules } from './modules.ts';
import { RpcRegistry } from './rpc.ts';
import { runStoreThread, storeThreadData } from './store/store-thread.ts';
// The one import of the headless server's code in the engine (lint keeps it to this entry): the
// agent port is an entry point of its own, served from this thread.
import { startAgentPort, type AgentPort } from '../server/agent-port.ts';
import type { AgentSyncOutcome } from '../shared/rpc.ts';

// This file is also the history store thread's entry (one file to bundle for both threads): as
// that thread it runs only the store, which exits the thread itself when the engine closes it.
const storeData = storeThreadData(workerData);
if (storeData) {
  runStoreThread(storeData);
  await new Promise<never>(() => {});
}

/**
 * Bundled, this file is the store thread's entry too; from the sources the store's own entry
 * loads faster (without the engine's module graph).
 */
function storeEntry(): URL | undefined {
  return import.meta.url.endsWith('.ts') ? undefined : new URL(import.meta.url);
}

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const send = (event: EngineEvent) => port.postMessage(event);
let logSeq = 0;
const log = (level: 'info' | 'warn' | 'error', message: string) =>
  send({ v: 1, seq: ++logSeq, kind: 'log', level, message });

// Last line of defence: a stray rejection is logged, not allowed to take probing down with it.
// (An uncaught exception still ends the worker; the host restarts it with back-off.)
process.on('unhandledRejection', (reason) => log('error', `unhandled rejection in the engine: ${String(reason)}`));

const rpc = new RpcRegistry();
// Board messages are serialised here, once: the host forwards the text to SSE clients as it is
// and parses it only where it needs objects (a structured clone of a delta cost both threads more).
const engine = new Engine({ clock: systemClock, emit: (message) => send(boardText(message)), rpc, log });

// Says so when the in-flight limit, rather than the targets, is what makes probes late.
let delayedBefore = 0;
setInterval(() => {
  const stats = engine.schedulerStats();
  const delayed = stats.delayedByLimit - delayedBefore;
  delayedBefore = stats.delayedByLimit;
  if (delayed > 0) {
    log(
      'warn',
      `${delayed} probes waited for the in-flight limit (${stats.maxInFlight}) in the last minute; raise engine.max_in_flight`,
    );
  }
}, 60_000).unref();
let unwatch: (() => void) | null = null;
let agentPort: AgentPort | null = null;

type StartCommand = Extract<EngineCommand, { kind: 'start' }>;

async function start(command: StartCommand): Promise<void> {
  await installModules({ engine, rpc, dataDir: command.dataDir, log, storeEntry: storeEntry() });
  await loadConfig(command);
  if (command.agentPort) await openAgentPort(command.agentPort);
}

/**
 * The agent door on a port of its own, on this thread: a sync is read, applied and answered here,
 * without a message to the host and back (src/server/agent-port.ts). The host hears where it
 * listens, or why it could not.
 */
async function openAgentPort(options: NonNullable<StartCommand['agentPort']>): Promise<void> {
  try {
    agentPort = await startAgentPort({
      host: options.host,
      port: options.port,
      ...(options.tls
        ? {
            tls: {
              ...options.tls,
              onReload: ({ ok, message }: { ok: boolean; message: string }) =>
                log(ok ? 'info' : 'error', `agent port: ${message}`),
            },
          }
        : {}),
      call: (params, actor) => rpc.dispatch('agent.sync', params, actor) as Promise<AgentSyncOutcome>,
    });
    send({ v: 1, seq: ++logSeq, kind: 'agent-port', url: agentPort.url, error: null });
  } catch (error) {
    const where = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    const message = `the agent port could not listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
    log('error', message);
    send({ v: 1, seq: ++logSeq, kind: 'agent-port', url: null, error: message.slice(0, 2_000) });
  }
}

async function loadConfig(command: StartCommand): Promise<void> {
  // Edits from the board are written to the file; the watcher below applies them.
  new ConfigEditor(command.configPath, log).register(rpc);
  if (command.configPath === null) {
    const outcome = parseConfigText(command.demoConfigText ?? 'checks: []', 'built-in demo');
    if (!outcome.ok) throw new Error(`the built-in demo config is invalid: ${JSON.stringify(outcome.issues)}`);
    engine.applyConfig(outcome.config, 'built-in demo');
    return;
  }
  const path = command.configPath;
  const accept = configReloader(engine, path, log);
  const first = await readConfigFile(path);
  accept(first.ok ? parseConfigText(first.text, path) : { ok: false, issues: first.issues });
  // Watched whatever the first read found: fixing the file starts the engine's checks.
  unwatch = watchConfigFile(path, (text) => accept(parseConfigText(text, path)), {
    initial: first,
    onRefused: (issues) => accept({ ok: false, issues }),
  });
}

port.on('message', (message: unknown) => {
  const parsed = EngineCommandSchema.safeParse(message);
  if (!parsed.success) {
    log('warn', `ignored a malformed command from the host: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return;
  }
  const command = parsed.data;
  switch (command.kind) {
    case 'start':
      start(command).catch((error: unknown) => {
        log('error', String(error));
        // Whoever waits for the agent port hears that it will not come.
        if (command.agentPort && !agentPort) {
          send({
            v: 1,
            seq: ++logSeq,
            kind: 'agent-port',
            url: null,
            error: `the engine did not start: ${String(error)}`.slice(0, 2_000),
          });
        }
      });
      break;
    case 'request':
      rpc.dispatch(command.method, command.params, command.actor).then(
        (result) => send({ v: 1, seq: ++logSeq, kind: 'response', id: command.id, ok: true, result }),
        (error: unknown) =>
          send({
            v: 1,
            seq: ++logSeq,
            kind: 'response',
            id: command.id,
            ok: false,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      break;
    case 'board-state': {
      // Answered at once, so it follows every board message already sent and precedes the next.
      const board = engine.boardAsSent();
      send({ v: 1, seq: ++logSeq, kind: 'board-state', id: command.id, text: board && JSON.stringify(board) });
      break;
    }
    case 'stop':
      unwatch?.();
      // Modules flush what they hold (history, incidents) before the worker reports stopped;
      // no sync is taken meanwhile (an agent resends what was not acknowledged).
      void (agentPort?.close() ?? Promise.resolve())
        .then(() => engine.stop())
        .finally(() => {
          send({ v: 1, seq: ++logSeq, kind: 'stopped' });
          port.close();
        });
      break;
  }
});
