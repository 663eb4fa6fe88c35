/**
 * The agent door (POST /api/agent/v1/sync, src/shared/agent-protocol.ts) as an HTTP handler:
 * what is refused before the engine is asked (method, a browser, no token, the wrong type, too
 * many at once, a body over the limit), and the engine's outcome as the answer. The board server
 * serves it beside the board; the agent port (agent-port.ts) serves it alone on the engine's own
 * thread, where `call` is the engine's RPC registry itself rather than a message to the worker.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_AGENT_BODY_BYTES } from '../shared/agent-protocol.ts';
import type { Actor } from '../shared/actor.ts';
import type { AgentSyncOutcome, RpcParams } from '../shared/rpc.ts';
import { HttpError, jsonReply, readBody } from './http-basics.ts';
import { AGENT_CALLER, bearerToken } from './identity.ts';

/** Agent syncs read or waiting for the engine at once: bodies may be 8 MiB, so memory stays bounded. */
const MAX_AGENT_SYNCS_IN_FLIGHT = 16;
/** Agent tokens are far shorter (the contract's bound). */
const MAX_AGENT_TOKEN_CHARS = 512;

/**
 * Hands a sync to the engine (`agent.sync`) as `actor` (the door's caller, AGENT_CALLER: identity
 * comes from the entry point); throws when the engine cannot answer now.
 */
export type AgentSyncCall = (params: RpcParams<'agent.sync'>, actor: Actor) => Promise<AgentSyncOutcome>;

/**
 * Agents call the centre by whatever public name it has, so the board's Host check (which keeps
 * a rebound DNS name from reading the board in a browser) does not apply: every request here is
 * authenticated by its own agent token, checked in the engine before the body is parsed, and a
 * browser, which always sends Origin with a POST, is refused outright.
 */
export function agentDoor(call: AgentSyncCall): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let inFlight = 0;
  return async (req, res) => {
    const reply = jsonReply(res);
    if (req.method !== 'POST') return reply(405, { error: 'agents sync with POST' }, { allow: 'POST' });
    if (req.headers.origin !== undefined) {
      return reply(403, { error: 'the agent door does not answer browsers' }, { connection: 'close' });
    }
    const token = bearerToken(req.headers.authorization);
    if (token === null || token.length > MAX_AGENT_TOKEN_CHARS) {
      return reply(
        401,
        { error: 'agents need their token: Authorization: Bearer <agent token>' },
        { 'www-authenticate': 'Bearer', connection: 'close' },
      );
    }
    if (!/^application\/json(\s*;|$)/i.test(req.headers['content-type'] ?? '')) {
      return reply(415, { error: 'the sync body is JSON: content-type: application/json' }, { connection: 'close' });
    }
    if (inFlight >= MAX_AGENT_SYNCS_IN_FLIGHT) {
      return reply(503, { error: 'too many agent syncs at once; retry' }, { 'retry-after': '1', connection: 'close' });
    }
    inFlight++;
    try {
      let body: Buffer;
      try {
        body = await readBody(req, MAX_AGENT_BODY_BYTES);
      } catch (error) {
        const status = error instanceof HttpError ? error.status : 400;
        return reply(
          status,
          { error: error instanceof Error ? error.message : String(error) },
          { connection: 'close' },
        );
      }
      let outcome: AgentSyncOutcome;
      try {
        outcome = await call(
          { token, body: body.toString('utf8'), from: String(req.socket.remoteAddress ?? 'unknown').slice(0, 200) },
          AGENT_CALLER,
        );
      } catch (error) {
        // The engine is restarting or busy: nothing was acknowledged, the agent sends it again.
        const message = error instanceof Error ? error.message : String(error);
        return reply(503, { error: `the centre's engine did not answer: ${message}` }, { 'retry-after': '1' });
      }
      reply(outcome.status, outcome.body);
    } finally {
      inFlight--;
    }
  };
}
