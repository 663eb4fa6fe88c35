/**
 * The centre's side of the agent door (POST /api/agent/v1/sync, src/shared/agent-protocol.ts).
 * For each sync: the token first (bound to one vantage), then the body, then the results not
 * seen yet in the agent's stream go to the engine, are committed with the stream's cursor in
 * one durable transaction, and only then acknowledged. An agent that says which sequence its
 * batch follows (`after`) is answered once its results are applied, with what is acknowledged
 * so far; the others once their results are on disk. The agent gets its assignment (the checks
 * it probes) whenever its revision differs, and, when it says how often it syncs, when to sync
 * next: its vantage's slot on the centre's beat (beat.ts), so that agents sync together.
 */
import { compareVersions, KNOCKON_VERSION } from '../../shared/version.ts';
import type { z } from 'zod';
import {
  AGENT_PROTOCOL_VERSION,
  AgentSyncRequestSchema,
  ClaimedAgentVersionSchema,
  decodeBatch,
  type AgentSyncRequest,
  type AgentSyncResponse,
} from '../../shared/agent-protocol.ts';
import { inputOf } from '../../shared/config/input.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { AgentLinkView, ProbeResult } from '../../shared/model.ts';
import type { AgentSyncOutcome, RpcParams } from '../../shared/rpc.ts';
import type { ResolvedCheck } from '../checks.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Engine, EngineModule } from '../engine.ts';
import type { ModuleContext } from '../modules.ts';
import { RepeatedErrors } from '../repeated-errors.ts';
import type { RpcRegistry } from '../rpc.ts';
import type { HistoryStore } from '../store/index.ts';
import { AgentAuth, type TokenStore } from './agent-auth.ts';
import { buildAssignments, type BuiltAssignment } from './assignment.ts';
import { beatPlaces, nextSlotInMs, type BeatPlace } from './beat.ts';

/** A clock difference below this is left alone: it is within what NTP and the network give. */
export const SKEW_CORRECTION_MS = 1_000;
/** Streams whose cursors are kept in memory; committed ones are read again from the store. */
const MAX_STREAMS = 4_096;

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export type AgentsStore = TokenStore &
  Pick<HistoryStore, 'loadState' | 'touchAgentToken'> & {
    /** Durable on return or once its promise settles (the store thread's StoreClient). */
    commitWith(key: string, value: unknown): boolean | Promise<boolean>;
  };

export interface AgentsModuleOptions {
  engine: Pick<Engine, 'ingest' | 'setAgentLink' | 'noteAgentRefused'>;
  store: AgentsStore;
  clock: Clock;
  log: Log;
  rpc?: RpcRegistry;
  /** Where token_env is read; the process's environment by default. */
  env?: NodeJS.ProcessEnv;
}

/** A stream's place: accepted (applied in the engine) and committed (on disk, what is acknowledged). */
interface Cursor {
  accepted: number;
  committed: number;
}

export function cursorKey(vantage: string, stream: string): string {
  return `agent-cursor:${vantage}:${stream}`;
}

export class AgentsModule implements EngineModule {
  readonly name = 'agents';
  private readonly engine: AgentsModuleOptions['engine'];
  private readonly store: AgentsStore;
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly env: NodeJS.ProcessEnv;
  private readonly auth: AgentAuth;
  private readonly refusals: RepeatedErrors;
  private readonly cursors = new Map<string, Cursor>();
  private assignments = new Map<string, BuiltAssignment>();
  /** Each declared agent vantage's place on the beat: the declared vantages, keyed by id. */
  private places = new Map<string, BeatPlace>();
  private configured = false;
  private saidNoDocument = false;

  constructor(options: AgentsModuleOptions) {
    this.engine = options.engine;
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.log;
    this.env = options.env ?? process.env;
    this.auth = new AgentAuth(options.store, options.clock, options.log);
    this.refusals = new RepeatedErrors(options.clock, (level, message) => options.log(level, message));
    options.rpc?.register('agent.sync', (params) => this.sync(params));
    options.rpc?.register('vantages.tokens', () => this.auth.views());
    options.rpc?.register('vantages.revokeToken', (params, actor) => {
      const outcome = this.auth.revoke(params.tokenId);
      this.log(outcome.ok ? 'info' : 'warn', `${actor.name} (${actor.id}, ${actor.via}): ${outcome.message}`);
      return outcome;
    });
  }

  onConfig(config: Config, checks: readonly ResolvedCheck[]): void {
    this.configured = true;
    this.places = beatPlaces(config.vantages.map((v) => v.id));
    this.auth.configure(config, this.env);
    const vantagesOf = new Map(checks.map((c) => [c.id, c.vantageIds]));
    const built = buildAssignments(config, inputOf(config), (id) => vantagesOf.get(id) ?? []);
    if (built === null && config.vantages.length > 0 && !this.saidNoDocument) {
      this.saidNoDocument = true;
      this.log('warn', 'agents: this config was not read from a document, so agents get no assignment');
    }
    this.assignments = built ?? new Map();
  }

  /** One sync. Never throws: every outcome is an HTTP status and a body. */
  async sync(params: RpcParams<'agent.sync'>): Promise<AgentSyncOutcome> {
    try {
      return await this.handle(params);
    } catch (error) {
      this.refusals.reportError('agents:sync', `agents: a sync from ${params.from} failed`, error);
      return { status: 500, body: { error: 'the centre could not handle this sync; it is logged' } };
    }
  }

  private async handle({ token, body, from }: RpcParams<'agent.sync'>): Promise<AgentSyncOutcome> {
    const who = this.auth.verify(token);
    if (!who.ok) {
      // Keyed without the address: a flood from many addresses is counted, not logged line by line.
      this.refusals.report(`401:${who.reason}`, `agents: refused a sync from ${from}: ${who.reason}`);
      if (who.vantage !== undefined) this.engine.noteAgentRefused(who.vantage, who.reason);
      return { status: 401, body: { error: who.reason } };
    }
    const { match } = who;
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      this.refusals.report(
        `400:${match.vantage}:json`,
        `agents: ${match.vantage} (${from}) sent a body that is not JSON`,
      );
      this.engine.noteAgentRefused(match.vantage, 'its sync is not JSON');
      return { status: 400, body: { error: 'the body is not JSON' } };
    }
    const parsed = AgentSyncRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const problem = describeIssues(parsed.error);
      const claimed = claimedVersion(raw);
      const unknownField = parsed.error.issues.some((issue) => issue.code === 'unrecognized_keys');
      const note = releaseNote(claimed, unknownField);
      const said = note === null ? problem : `${problem} (${note})`;
      this.refusals.report(
        `400:${match.vantage}:${problem}`,
        `agents: ${match.vantage} (${from}) sent an invalid sync: ${said}`,
      );
      this.engine.noteAgentRefused(match.vantage, `invalid sync: ${said}`);
      return { status: 400, body: { error: `invalid sync: ${problem}` } };
    }
    const request = parsed.data;
    if (request.vantage !== match.vantage) {
      this.refusals.report(
        `403:${match.id}:${request.vantage}`,
        `agents: refused a sync from ${from}: token ${match.id} is bound to vantage ${match.vantage}, ` +
          `but it reports as ${request.vantage}`,
      );
      this.engine.noteAgentRefused(
        match.vantage,
        `a sync made with its token (${match.id}) reported as vantage ${request.vantage}`,
      );
      return {
        status: 403,
        body: { error: `this token is bound to vantage ${match.vantage}, not ${request.vantage}` },
      };
    }
    if (!this.configured) return { status: 503, body: { error: 'the centre has no valid config yet' } };
    if (!this.places.has(request.vantage)) {
      this.refusals.report(
        `403:${request.vantage}:undeclared`,
        `agents: refused a sync from ${from}: vantage ${request.vantage} is not declared in this centre's vantages`,
      );
      return { status: 403, body: { error: `vantage ${request.vantage} is not declared at this centre` } };
    }
    return { status: 200, body: await this.accept(request, match) };
  }

  private async accept(
    request: AgentSyncRequest,
    match: { id: string; source: 'config' | 'database' },
  ): Promise<AgentSyncResponse> {
    const now = this.clock.now();
    const vantage = request.vantage;
    const key = cursorKey(vantage, request.agent.stream);
    const cursor = this.cursor(key);
    // Agent clock minus centre clock (the request's time in flight counts as skew; it is small).
    const skewMs = Math.round(request.sentAt - now);
    const correction = Math.abs(skewMs) > SKEW_CORRECTION_MS ? -skewMs : 0;
    const built = this.assignments.get(vantage);
    const link: AgentLinkView = {
      connected: true,
      lastSeenAt: now,
      skewMs,
      buffered: request.status.buffered,
      dropped: request.status.dropped,
      version: request.agent.version,
      checks: built?.checks ?? 0,
    };
    // The link first: results from an agent that just came back vote as they arrive.
    this.engine.setAgentLink(vantage, link, { online: request.status.online, reason: request.status.reason });
    const after = request.after;
    if (after !== undefined && after > cursor.accepted) {
      // The agent takes more as applied here than this centre has (it restarted before they were
      // on disk): nothing is applied across the gap; the answer says where to resend from.
      return this.answer(request, built, cursor, now);
    }
    // Only the results after the stream's cursor are built: a resent batch costs its parse alone.
    const { last, results } = decodeBatch(request.results, cursor.accepted);
    const fresh = results as ProbeResult[];
    for (const result of fresh) {
      result.startedAt += correction;
      result.vantage = vantage;
    }
    if (fresh.length > 0) {
      try {
        this.engine.ingest(vantage, fresh);
      } catch (error) {
        // Applied up to wherever it stopped: counted as accepted, never applied twice.
        this.refusals.reportError('agents:ingest', `agents: applying results from ${vantage} failed`, error);
      }
    }
    cursor.accepted = last;
    if (cursor.accepted > cursor.committed) {
      // Committed with the next group commit (the store's COMMIT_GAP_MS): an agent that sends
      // `after` does not wait for it, and hears of it in a later answer's `ack`.
      const committed = this.commit(key, cursor);
      if (after === undefined) await committed;
    }
    if (match.source === 'database') this.store.touchAgentToken(match.id, now);
    return this.answer(request, built, cursor, now);
  }

  /** The cursor's accepted place, durably; `committed` moves once it is (only ever forward). */
  private async commit(key: string, cursor: Cursor): Promise<void> {
    const committing = cursor.accepted;
    try {
      if ((await this.store.commitWith(key, committing)) && committing > cursor.committed) {
        cursor.committed = committing;
      }
    } catch (error) {
      // Not acknowledged: the agent keeps the results, and the next commit takes the cursor.
      this.refusals.reportError('agents:commit', `agents: committing ${key} failed`, error);
    }
  }

  private answer(
    request: AgentSyncRequest,
    built: BuiltAssignment | undefined,
    cursor: Cursor,
    now: number,
  ): AgentSyncResponse {
    const response: AgentSyncResponse = { v: AGENT_PROTOCOL_VERSION, ack: cursor.committed, at: now };
    if (request.after !== undefined) response.accepted = cursor.accepted;
    if (built && request.assignmentRev !== built.assignment.rev) response.assignment = built.assignment;
    if (request.syncEveryMs !== undefined) {
      // From now, not the sync's start: applying its results took some of the wait.
      const place = this.places.get(request.vantage);
      if (place) response.nextInMs = nextSlotInMs(this.clock.now(), request.syncEveryMs, place);
    }
    return response;
  }

  /** A stream's cursor: from memory, else as last committed (0 for a new stream). */
  private cursor(key: string): Cursor {
    const known = this.cursors.get(key);
    if (known) return known;
    const stored = this.store.loadState<unknown>(key);
    const committed = typeof stored === 'number' && Number.isSafeInteger(stored) && stored > 0 ? stored : 0;
    const cursor = { accepted: committed, committed };
    if (this.cursors.size >= MAX_STREAMS) {
      // Only a cursor that is all on disk may go: it reads back the same.
      for (const [k, c] of this.cursors) {
        if (c.accepted === c.committed) {
          this.cursors.delete(k);
          break;
        }
      }
    }
    this.cursors.set(key, cursor);
    return cursor;
  }
}

/** Adds the agents module (after history, whose store it commits to). */
export function installAgents(context: ModuleContext): AgentsModule {
  const module = new AgentsModule({
    engine: context.engine,
    store: context.store,
    clock: context.clock ?? systemClock,
    log: context.log,
    rpc: context.rpc,
  });
  context.engine.use(module);
  return module;
}

/** The most of a refused body's problem that is logged and shown (its field names are the body's). */
export const MAX_REFUSAL_CHARS = 300;

/**
 * What is said of a refused body (field names, the version it claims): its control and format
 * characters (line breaks, bidirectional overrides) replaced, so that it cannot forge a log line
 * or turn the board's text around, and at most MAX_REFUSAL_CHARS, never ending in half a pair.
 */
function bounded(text: string): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD');
  if (clean.length <= MAX_REFUSAL_CHARS) return clean;
  return `${clean.slice(0, MAX_REFUSAL_CHARS - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

const NEWER_HINT = 'an agent newer than this centre? Upgrade the centre first';

/**
 * What a refused sync's release says, beside its problem: the agent's and this centre's, and which
 * to upgrade when they differ. A field this centre does not know, from an agent that gives no
 * comparable release, is most often an agent of a later one.
 */
function releaseNote(claimed: string | null, unknownField: boolean): string | null {
  if (claimed === null) return unknownField ? NEWER_HINT : null;
  const order = compareVersions(claimed, KNOCKON_VERSION);
  const releases = `agent ${claimed}, this centre ${KNOCKON_VERSION}`;
  if (order === null) return unknownField ? `${releases}: ${NEWER_HINT}` : releases;
  return order > 0 ? `${releases}: upgrade the centre first` : order < 0 ? `${releases}: upgrade the agent` : releases;
}

/** The agent's own version from a body the sync schema refused, when it says one. */
function claimedVersion(raw: unknown): string | null {
  const claimed = ClaimedAgentVersionSchema.safeParse(raw);
  return claimed.success ? bounded(claimed.data.agent.version) : null;
}

/** The first problems of a body, each with its field: `results[3].result.checkId: …`. */
function describeIssues(error: z.ZodError): string {
  // A field this centre does not know first: when there is one, it is the likely cause (an agent
  // of a later release) and the rest follows from it.
  const ordered = [...error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  const issues = ordered.slice(0, 3).map((issue) => {
    const field = issue.path.reduce<string>(
      (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`),
      '',
    );
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : issue.message;
    return `${field || '(body)'}: ${message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return bounded(issues.join('; ') + more);
}
