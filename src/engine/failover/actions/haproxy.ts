/**
 * HAProxy runtime API over the stats socket: `set server <backend>/<server> state <state>`,
 * then `show servers state <backend>` to confirm the server's admin state really changed.
 * Each command is one connection (HAProxy's non-interactive mode: it answers and closes).
 */
import { connect } from 'node:net';
import { HAPROXY_NAME, type FailoverActionConfig } from '../../../shared/config/failover.ts';
import { errorMessage, type ActionContext, type ActionOutcome, type FailoverAction } from './types.ts';

type Config = Extract<FailoverActionConfig, { type: 'haproxy' }>;

const MAX_REPLY_BYTES = 1_048_576;

/** Sends one runtime API command and returns HAProxy's whole answer. */
export function runtimeCommand(socketPath: string, command: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let reply = '';
    const onAbort = () => {
      socket.destroy();
      reject(new Error('no answer from the stats socket before the timeout'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.length > MAX_REPLY_BYTES) {
        socket.destroy();
        reject(new Error('answer from the stats socket too large'));
      }
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    socket.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(reply);
    });
  });
}

/** HAProxy's srv_admin_state bits (server.h): forced maintenance and forced drain. */
const ADMIN_FMAINT = 0x01;
const ADMIN_FDRAIN = 0x08;

/** The admin state of one server, read from `show servers state` (format version 1). */
export function adminState(showServersState: string, server: string): 'maint' | 'drain' | 'ready' | null {
  const lines = showServersState.split('\n');
  const header = lines.find((l) => l.startsWith('# be_id'));
  if (!header) return null;
  const columns = header.slice(2).trim().split(/\s+/);
  const nameAt = columns.indexOf('srv_name');
  const adminAt = columns.indexOf('srv_admin_state');
  for (const line of lines) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields[nameAt] !== server) continue;
    const admin = Number(fields[adminAt]);
    if (admin & ADMIN_FMAINT) return 'maint';
    if (admin & ADMIN_FDRAIN) return 'drain';
    return 'ready';
  }
  return null;
}

export function haproxyAction(config: Config): FailoverAction {
  const target = `${config.backend}/${config.server}`;
  const stateFor = (ctx: Pick<ActionContext, 'direction'>) =>
    ctx.direction === 'failover' ? config.state : config.failback_state;
  return {
    type: 'haproxy',
    name: config.name ?? `haproxy ${target}`,
    changesDns: false,
    describe: (ctx) => ({ socket: config.socket, command: `set server ${target} state ${stateFor(ctx)}` }),
    run: async (ctx): Promise<ActionOutcome> => {
      if (!HAPROXY_NAME.test(config.backend) || !HAPROXY_NAME.test(config.server)) {
        return { ok: false, message: `unsafe backend or server name "${target}"` };
      }
      const state = stateFor(ctx);
      try {
        const answer = (await runtimeCommand(config.socket, `set server ${target} state ${state}`, ctx.signal)).trim();
        // Success is an empty answer; anything else is HAProxy explaining a refusal.
        if (answer !== '') return { ok: false, message: `HAProxy refused: ${answer}`, detail: { answer } };
        const shown = await runtimeCommand(config.socket, `show servers state ${config.backend}`, ctx.signal);
        const now = adminState(shown, config.server);
        if (now !== state) {
          return {
            ok: false,
            message: `${target} is ${now ?? 'not listed'} after setting ${state}`,
            detail: { shown: shown.slice(0, 4_096) },
          };
        }
        return { ok: true, message: `${target} is ${state}`, detail: { adminState: now } };
      } catch (error) {
        return { ok: false, message: `${config.socket}: ${errorMessage(error)}` };
      }
    },
  };
}
