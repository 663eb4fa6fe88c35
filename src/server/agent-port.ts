/**
 * The agent port (`knockon serve --agent-port`): the agent door alone, served by the engine's
 * own worker thread. Behind the board's port a sync is read by the main thread and handed to
 * the engine and back as messages between threads, which wakes two threads for each sync; here
 * the thread that applies the results also reads the request and writes the answer. The same
 * path (AGENT_SYNC_PATH), the same refusals and the same TLS files as the board; everything else
 * is 404, and the board is never served here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AGENT_SYNC_PATH } from '../shared/agent-protocol.ts';
import { agentDoor, type AgentSyncCall } from './agent-door.ts';
import { jsonReply, listenHttp, type Listening, type ListenOptions } from './http-basics.ts';

/** A listening agent port: its URL, and close(). */
export type AgentPort = Listening;

/** Agents keep one connection each; this bounds what a crowd of strangers can hold open. */
const DEFAULT_MAX_CONNECTIONS = 256;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;

export interface AgentPortOptions {
  host: string;
  port: number;
  tls?: ListenOptions['tls'];
  maxConnections?: number;
  idleTimeoutMs?: number;
  call: AgentSyncCall;
}

export async function startAgentPort(options: AgentPortOptions): Promise<AgentPort> {
  const door = agentDoor(options.call);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === AGENT_SYNC_PATH) return door(req, res);
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'ok\n');
      return;
    }
    jsonReply(res)(404, { error: `the agent port serves ${AGENT_SYNC_PATH} only; the board is on its own port` });
  };
  return listenHttp(
    {
      host: options.host,
      port: options.port,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      ...(options.tls ? { tls: options.tls } : {}),
    },
    handle,
  );
}
