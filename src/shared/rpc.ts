/**
 * Requests from the board to the engine: queries (history, detail) and actions (acknowledge,
 * approve a failover). One table is the contract for every transport: worker messages, Electron
 * IPC (`knockon:rpc`) and the headless server (`GET /api/query/<method>` for queries,
 * `POST /api/action/<method>` with the board token for actions).
 *
 * Each method's params are a zod schema: every entry point (board server, IPC, the engine's
 * registry) parses with it before anything touches the values, so a hostile or mistaken caller
 * gets a message naming the field, never an exception inside the engine. Each method also
 * declares its kind (query or action) and the role it needs; who is calling (the Actor) comes from
 * the entry point, never from params, and every entry point refuses with `rpcRefusal`.
 *
 * To add a method: add it to RPC_CONTRACT, register its handler in the engine. Nothing else
 * needs to change.
 */
import { z } from 'zod';
import { PERSON_ROLES, roleRefusal, type Actor } from './actor.ts';
import type { ApiTokenView, CreatedSecret, KioskLinkView } from './auth-api.ts';
import { MAX_AGENT_BODY_BYTES } from './agent-protocol.ts';
import { ConfigEditSchema, RevisionSchema, type ConfigDocumentView, type ConfigEditOutcome } from './config-edit.ts';
import type { EngineHealth, IncidentView, ProbeResult, SeriesPoint } from './model.ts';

/** Alertmanager's webhook body at most (a group of alerts with labels and annotations). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** Longest free text accepted from a caller (names, notes, reasons). */
const MAX_TEXT = 2_000;
/** Longest silence the board may ask for: the same 30 days Alertmanager users expect. */
export const MAX_SILENCE_MS = 30 * 24 * 60 * 60 * 1000;

const id = (field: string, what: string) =>
  z
    .string({ error: `${field}: expected ${what}` })
    .min(1, `${field}: expected ${what}`)
    .max(256, `${field}: at most 256 characters`);
const text = (field: string, what: string) =>
  z.string({ error: `${field}: expected ${what}` }).max(MAX_TEXT, `${field}: at most ${MAX_TEXT} characters`);
const count = (field: string, max: number) =>
  z
    .int({ error: `${field}: expected a whole number from 1 to ${max}` })
    .min(1, `${field}: expected at least 1`)
    .max(max, `${field}: expected at most ${max}`);
/** A vantage id; absent means every vantage of the check together. */
const vantage = id('vantage', 'a vantage id').optional();
const range = z.enum(['1h', '6h', '24h', '7d', '30d'], { error: 'range: expected one of 1h, 6h, 24h, 7d, 30d' });
const checkId = id('checkId', 'a check id');
const incidentId = id('incidentId', 'an incident id');
const policyId = id('policyId', 'a failover policy id');
const optionalNote = text('note', 'a note (may be empty)').max(2_000, 'note: at most 2000 characters');

/**
 * Who may call a method: viewers see, operators acknowledge and silence, admins fail over;
 * `agent` is a probe agent holding a token bound to one vantage (never a person).
 */
export type RpcRole = Actor['role'];
/** `agent` methods are served only on the agent door (POST /api/agent/v1/sync), never to the board. */
export type RpcKind = 'query' | 'action' | 'agent' | 'webhook';

interface MethodSpec<P extends z.ZodType, R> {
  kind: RpcKind;
  role: RpcRole;
  /** Built on first use: the board loads this module at start-up and parses only a few params. */
  readonly params: P;
  /** Phantom: the result's type (results travel from our own engine, not from a caller). */
  result?: R;
}

/**
 * Curried so the result type is named while the params type is inferred from its schema. The
 * schema is built when first asked for, not at import (zod schemas cost at construction).
 */
const method =
  <R>() =>
  <P extends z.ZodType>(kind: RpcKind, role: RpcRole, build: () => P): MethodSpec<P, R> => {
    let params: P | undefined;
    return {
      kind,
      role,
      get params() {
        return (params ??= build());
      },
    };
  };

type Outcome = { ok: boolean; message: string };

export const RPC_CONTRACT = {
  /** A check's latency/availability series, downsampled to at most `points`. */
  'history.series': method<SeriesPoint[]>()('query', 'viewer', () =>
    z.strictObject({ checkId, range, points: count('points', 2_000), vantage }),
  ),
  /** Availability (0..1) of a check over a range; null without data. */
  'history.availability': method<number | null>()('query', 'viewer', () => z.strictObject({ checkId, range, vantage })),
  /** When a check's kept history starts (ms since the epoch), so availability says what it covers; null without data. */
  'history.since': method<number | null>()('query', 'viewer', () => z.strictObject({ checkId, vantage })),
  /** The latest raw results of a check, newest first (drill-down: phases, errors, DNS answers). */
  'history.recent': method<ProbeResult[]>()('query', 'viewer', () =>
    z.strictObject({ checkId, limit: count('limit', 1_000), vantage }),
  ),
  /** Incidents in a time window, newest first (the board's snapshot holds only recent ones). */
  'incidents.list': method<IncidentView[]>()('query', 'viewer', () =>
    z.strictObject({
      since: z.number({ error: 'since: expected a time in ms since the epoch' }).min(0, 'since: expected a time ≥ 0'),
      limit: count('limit', 1_000),
    }),
  ),
  'incidents.acknowledge': method<IncidentView>()('action', 'operator', () =>
    z.strictObject({
      incidentId,
      note: optionalNote,
    }),
  ),
  'incidents.silence': method<IncidentView>()('action', 'operator', () =>
    z.strictObject({
      incidentId,
      forMs: z
        .int({ error: 'forMs: expected a duration in whole milliseconds' })
        .min(60_000, 'forMs: at least one minute')
        .max(MAX_SILENCE_MS, 'forMs: at most 30 days'),
    }),
  ),
  /** Ends an incident's silence early: its notifications resume at once. */
  'incidents.unsilence': method<IncidentView>()('action', 'operator', () => z.strictObject({ incidentId })),
  /** An update note on an incident's timeline (open or recently resolved). */
  'incidents.note': method<IncidentView>()('action', 'operator', () =>
    z.strictObject({
      incidentId,
      note: z
        .string({ error: 'note: expected a note' })
        .trim()
        .min(1, 'note: expected a note')
        .max(2_000, 'note: at most 2000 characters'),
    }),
  ),
  /** Resolves an open incident by hand, saying why; its alerts open a new one only when they fire again. */
  'incidents.resolve': method<IncidentView>()('action', 'operator', () =>
    z.strictObject({
      incidentId,
      note: optionalNote,
    }),
  ),
  'failover.approve': method<Outcome>()('action', 'admin', () => z.strictObject({ policyId })),
  'failover.reject': method<Outcome>()('action', 'admin', () => z.strictObject({ policyId })),
  'failover.start': method<Outcome>()('action', 'admin', () =>
    z.strictObject({
      policyId,
      reason: z
        .string({ error: 'reason: expected a reason' })
        .trim()
        .min(1, 'reason: expected a reason')
        .max(500, 'reason: at most 500 characters'),
    }),
  ),
  'failover.failback': method<Outcome>()('action', 'admin', () => z.strictObject({ policyId })),
  /**
   * One sync from a probe agent (src/shared/agent-protocol.ts): the bearer token as sent, and the
   * body unparsed (the engine parses it, after the token, with AgentSyncRequestSchema).
   */
  'agent.sync': method<AgentSyncOutcome>()('agent', 'agent', () =>
    z.strictObject({
      token: z.string().max(512),
      body: z.string().max(MAX_AGENT_BODY_BYTES),
      /** The caller's address, for the log when a token is refused. */
      from: z.string().max(200),
    }),
  ),
  /**
   * Alertmanager's webhook (version 4), served only at POST /api/alertmanager/webhook (`webhook`
   * methods have their own door, like the agent's): the Authorization header as sent and the
   * body unparsed; the engine checks the one against alertmanager_in and parses the other.
   */
  'alertmanager.webhook': method<AgentSyncOutcome>()('webhook', 'webhook', () =>
    z.strictObject({
      authorization: z.string().max(4_096),
      body: z.string().max(MAX_WEBHOOK_BODY_BYTES),
    }),
  ),
  /** Agent tokens known to the centre (never the tokens themselves). */
  /** The engine's own health (scheduler, store queue, notification outcomes), for /metrics. */
  'engine.health': method<EngineHealth>()('query', 'viewer', () => z.strictObject({})),
  'vantages.tokens': method<AgentTokenView[]>()('query', 'admin', () => z.strictObject({})),
  'vantages.revokeToken': method<Outcome>()('action', 'admin', () =>
    z.strictObject({ tokenId: id('tokenId', 'an agent token id') }),
  ),
  /** The config file as the board may edit it: its path, revision and editable items (src/shared/config-edit.ts). */
  'config.document': method<ConfigDocumentView>()('query', 'admin', () => z.strictObject({})),
  /**
   * One edit of a check, component or alert rule, written back to the config file when the file is
   * still at `revision` and the result is valid; the hot reload applies it.
   */
  'config.edit': method<ConfigEditOutcome>()('action', 'admin', () =>
    z.strictObject({ revision: RevisionSchema, edit: ConfigEditSchema }),
  ),
  /** API tokens of people and services (never the tokens themselves); headless server only. */
  'auth.tokens': method<ApiTokenView[]>()('query', 'admin', () => z.strictObject({})),
  /** A new API token, shown once; it acts with `role`, for `user` when given, until `expiresAt`. */
  'auth.createToken': method<CreatedSecret>()('action', 'admin', () =>
    z.strictObject({
      name: z.string({ error: 'name: expected a name' }).trim().min(1, 'name: expected a name').max(100),
      role: z.enum(PERSON_ROLES, { error: 'role: expected viewer, operator or admin' }),
      user: id('user', 'a user id').optional(),
      expiresAt: z.number({ error: 'expiresAt: expected a time in ms since the epoch' }).min(0).nullable(),
    }),
  ),
  'auth.revokeToken': method<Outcome>()('action', 'admin', () =>
    z.strictObject({ tokenId: id('tokenId', 'a token id') }),
  ),
  /** Kiosk links for wall displays: view-only, no sign-in, revocable. */
  'auth.kioskLinks': method<KioskLinkView[]>()('query', 'admin', () => z.strictObject({})),
  'auth.createKioskLink': method<CreatedSecret>()('action', 'admin', () =>
    z.strictObject({
      name: z.string({ error: 'name: expected a name' }).trim().min(1, 'name: expected a name').max(100),
    }),
  ),
  'auth.revokeKioskLink': method<Outcome>()('action', 'admin', () =>
    z.strictObject({ linkId: id('linkId', 'a kiosk link id') }),
  ),
} as const;

/** What the agent door answers: the HTTP status and the body (an AgentSyncResponse or an error). */
export type AgentSyncOutcome = { status: number; body: unknown };

export interface AgentTokenView {
  id: string;
  vantage: string;
  name: string;
  /** Where it is defined: the config (token_sha256/token_env) or the database (knockon agent-token). */
  source: 'config' | 'database';
  createdAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Why this caller may not call this method (a message for them); null when it may. */
export function rpcRefusal(method: RpcMethod, actor: Pick<Actor, 'name' | 'role'>): string | null {
  return roleRefusal(method, RPC_CONTRACT[method].role, actor);
}

/** Methods the board may call (queries and actions); agent methods have their own door. */
export function isBoardMethod(method: RpcMethod): boolean {
  const kind: RpcKind = RPC_CONTRACT[method].kind;
  return kind === 'query' || kind === 'action';
}

type Contract = typeof RPC_CONTRACT;
export type RpcMethod = keyof Contract;
export type RpcParams<M extends RpcMethod> = z.infer<Contract[M]['params']>;
export type RpcResult<M extends RpcMethod> = Exclude<Contract[M]['result'], undefined>;

/** Methods that change state: they need the board token over HTTP and a confirmation in the UI. */
export const RPC_ACTIONS: ReadonlySet<RpcMethod> = new Set(
  (Object.keys(RPC_CONTRACT) as RpcMethod[]).filter((m) => RPC_CONTRACT[m].kind === 'action'),
);

export function isRpcMethodName(value: unknown): value is RpcMethod {
  return typeof value === 'string' && Object.hasOwn(RPC_CONTRACT, value);
}

/** The one error convention: a caller's mistake, with a message naming the method and field. */
export type RpcParse<M extends RpcMethod> = { ok: true; params: RpcParams<M> } | { ok: false; error: string };

/** Parses a caller's params for a method; never throws, whatever the input. */
export function parseRpcParams<M extends RpcMethod>(method: M, params: unknown): RpcParse<M> {
  const outcome = RPC_CONTRACT[method].params.safeParse(params ?? {});
  if (outcome.success) return { ok: true, params: outcome.data as RpcParams<M> };
  const problems = outcome.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      : issue.message,
  );
  return { ok: false, error: `${method}: invalid params: ${problems.join('; ')}` };
}
