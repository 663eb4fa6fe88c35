/**
 * Every method of the RPC contract, through every entry point, with a caller of every role:
 * refused without the method's role, served with it, and the engine hears the caller the entry
 * point authenticated.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpcDispatcher, desktopActor } from '../../src/main/rpc-dispatch.ts';
import { RpcRegistry } from '../../src/engine/rpc.ts';
import { startBoardServer, type RunningBoardServer } from '../../src/server/board-server.ts';
import type { Identifier } from '../../src/server/identity.ts';
import { bearerToken } from '../../src/server/identity.ts';
import { roleAllows, type Actor, PERSON_ROLES } from '../../src/shared/actor.ts';
import { isBoardMethod, RPC_CONTRACT, type RpcMethod } from '../../src/shared/rpc.ts';
import { ADMIN, AGENT, OPERATOR, VIEWER, WEBHOOK } from '../support/actors.ts';
import { recordingSource } from '../support/recording-source.ts';

/** Valid params for each method: the walk must cover the whole table, so a new method fails here until added. */
const SAMPLE: Record<RpcMethod, unknown> = {
  'history.series': { checkId: 'c', range: '1h', points: 10 },
  'history.availability': { checkId: 'c', range: '1h' },
  'history.recent': { checkId: 'c', limit: 5 },
  'history.since': { checkId: 'c' },
  'incidents.unsilence': { incidentId: 'i' },
  'incidents.note': { incidentId: 'i', note: 'checking the edge' },
  'incidents.resolve': { incidentId: 'i', note: '' },
  'incidents.list': { since: 0, limit: 5 },
  'incidents.acknowledge': { incidentId: 'i', note: '' },
  'incidents.silence': { incidentId: 'i', forMs: 60_000 },
  'failover.approve': { policyId: 'p' },
  'failover.reject': { policyId: 'p' },
  'failover.start': { policyId: 'p', reason: 'drill' },
  'failover.failback': { policyId: 'p' },
  'agent.sync': { token: 't', body: '{}', from: '127.0.0.1' },
  'engine.health': {},
  'vantages.tokens': {},
  'vantages.revokeToken': { tokenId: 't' },
  'auth.tokens': {},
  'auth.createToken': { name: 'ci', role: 'viewer', expiresAt: null },
  'auth.revokeToken': { tokenId: 't' },
  'auth.kioskLinks': {},
  'auth.createKioskLink': { name: 'wall 1' },
  'auth.revokeKioskLink': { linkId: 'k' },
  'alertmanager.webhook': { authorization: '', body: '{}' },
  'config.document': {},
  'config.edit': { revision: '0'.repeat(64), edit: { op: 'delete', section: 'checks', id: 'c' } },
};
const METHODS = Object.keys(RPC_CONTRACT) as RpcMethod[];
const CALLERS: Actor[] = [VIEWER, OPERATOR, ADMIN, AGENT, WEBHOOK];

const { source, calls } = recordingSource();
/** One bearer credential per caller: what is under test is the server's use of the identity. */
const identifier: Identifier = {
  identify: (req) => CALLERS.find((a) => a.id === bearerToken(req.headers.authorization)) ?? null,
};

describe('every method refuses a caller without its role', () => {
  let dir: string;
  let server: RunningBoardServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knockon-roles-'));
    await writeFile(join(dir, 'index.html'), '<html>board</html>');
    server = await startBoardServer({ source, staticDir: dir, port: 0, token: 'unused-board-token', identifier });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has a sample for every method in the contract', () => {
    expect(Object.keys(SAMPLE).sort()).toEqual([...METHODS].sort());
  });

  it('over HTTP, through the real server', async () => {
    const call = (method: RpcMethod, caller: Actor | null) => {
      const headers: Record<string, string> = caller ? { authorization: `Bearer ${caller.id}` } : {};
      const params = JSON.stringify(SAMPLE[method]);
      if (RPC_CONTRACT[method].kind === 'query') {
        return fetch(new URL(`/api/query/${method}?params=${encodeURIComponent(params)}`, server.url), { headers });
      }
      return fetch(new URL(`/api/action/${method}`, server.url), { method: 'POST', headers, body: params });
    };
    for (const method of METHODS) {
      if (!isBoardMethod(method)) {
        // Agent methods have their own door: no board route serves them, whoever asks.
        expect((await call(method, ADMIN)).status, method).toBe(404);
        continue;
      }
      const anonymous = await call(method, null);
      expect(anonymous.status, `${method} without credentials`).toBe(401);
      for (const caller of CALLERS) {
        const before = calls.length;
        const res = await call(method, caller);
        const allowed = roleAllows(caller.role, RPC_CONTRACT[method].role);
        expect(res.status, `${method} as ${caller.role}`).toBe(allowed ? 200 : 403);
        if (allowed) expect(calls.slice(before)).toEqual([{ method, actor: caller }]);
        else {
          expect(calls.length, `${method} as ${caller.role} reached the engine`).toBe(before);
          expect(((await res.json()) as { error: string }).error).toContain(
            `needs the ${RPC_CONTRACT[method].role} role`,
          );
        }
      }
    }
  });

  it('over IPC, through the main process dispatch (no Electron needed)', async () => {
    const target = {
      request: (method: RpcMethod, _params: never, actor: Actor) => source.request(method, _params, actor),
    };
    for (const method of METHODS) {
      for (const caller of CALLERS) {
        const dispatch = rpcDispatcher(target, { ...caller, via: 'ipc' });
        const outcome = dispatch(method, SAMPLE[method]);
        if (!isBoardMethod(method)) await expect(outcome, method).rejects.toThrow('unknown method');
        else if (roleAllows(caller.role, RPC_CONTRACT[method].role))
          await expect(outcome).resolves.toEqual({ served: method });
        else await expect(outcome, `${method} as ${caller.role}`).rejects.toThrow(/^forbidden: .* needs the \w+ role/);
      }
    }
  });

  it("in the engine's own registry too, whatever entry point forgot", async () => {
    const rpc = new RpcRegistry();
    for (const method of METHODS) rpc.register(method, () => ({ served: method }) as never);
    for (const method of METHODS) {
      for (const caller of CALLERS) {
        const outcome = rpc.dispatch(method, SAMPLE[method], caller);
        if (roleAllows(caller.role, RPC_CONTRACT[method].role))
          await expect(outcome).resolves.toEqual({ served: method });
        else await expect(outcome, `${method} as ${caller.role}`).rejects.toThrow(/^forbidden: /);
      }
    }
  });

  it('records the desktop user as the OS account, an admin, over IPC', () => {
    const actor = desktopActor();
    expect(actor).toMatchObject({ via: 'ipc', role: 'admin' });
    expect(actor.id).toBe(`os:${actor.name}`);
    expect(PERSON_ROLES.every((role) => roleAllows(actor.role, role))).toBe(true);
  });
});
