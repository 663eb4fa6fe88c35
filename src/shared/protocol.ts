/**
 * The messages between the engine and everything that shows its results.
 *
 * The same `BoardMessage`s travel engine worker -> host (Electron main or headless server) ->
 * renderer (over IPC or SSE). Every message carries the protocol version and a sequence number
 * so a receiver can tell a gap (and ask for a snapshot) from a duplicate.
 */
import { z } from 'zod';
import { ActorSchema } from './actor.ts';
import type {
  BoardSnapshot,
  CheckView,
  ComponentView,
  ConfigState,
  FailoverView,
  IncidentView,
  Notice,
  VantageView,
} from './model.ts';

/**
 * 2: a delta carries each changed check as a patch (`CheckPatch`), whole views only for new
 * checks. 3: a patch may carry the changed fields of a list's members (`itemFields`). A receiver
 * that meets another version asks for a snapshot (the SSE client reconnects, then reloads the
 * page when the server's bundle is newer than its own).
 */
export const PROTOCOL_VERSION = 3;
type V = typeof PROTOCOL_VERSION;

/** The optional fields of a check view: the ones a patch may unset. */
export type OptionalCheckField = {
  [K in keyof CheckView]-?: undefined extends CheckView[K] ? K : never;
}[keyof CheckView];

/**
 * What changed in one check since the view last sent for it (see shared/check-patch.ts):
 * `set` holds each changed field's new value, `unset` the optional fields it no longer has, `items`
 * the changed members of an array field, and `beatsAdded` the heartbeat letters appended (the strip keeps its last BEATS_KEPT).
 */
export interface CheckPatch {
  id: string;
  set?: Partial<Omit<CheckView, 'id'>>;
  unset?: OptionalCheckField[];
  /** Array fields of the same length with some members changed: those members whole, by index. */
  items?: Partial<Record<keyof CheckView, Record<number, unknown>>>;
  /**
   * Array fields' object members (the vantage matrix's views) of which some fields changed: those
   * fields by index, merged over the member (after `items`).
   */
  itemFields?: Partial<Record<keyof CheckView, Record<number, Record<string, unknown>>>>;
  beatsAdded?: string;
}

/** Deltas are flushed at most this often: a few per second, never one per probe. */
export const DELTA_INTERVAL_MS = 250;

export type BoardMessage =
  | { v: V; seq: number; kind: 'snapshot'; snapshot: BoardSnapshot }
  | {
      v: V;
      seq: number;
      kind: 'delta';
      at: number;
      /** Checks new to the receiver (not in the last snapshot or delta), sent whole. */
      checks: CheckView[];
      /** Changed checks the receiver has: only what changed, applied in order after `checks`. */
      patches: CheckPatch[];
      /** Ids of checks that no longer exist. */
      removed: string[];
      /** Changed components, incidents and failovers, sent whole (absent when none changed). */
      components?: ComponentView[];
      incidents?: IncidentView[];
      failovers?: FailoverView[];
      vantage?: VantageView;
      /** Every vantage, sent whole when any changed. */
      vantages?: VantageView[];
    }
  | { v: V; seq: number; kind: 'config'; at: number; config: ConfigState }
  | { v: V; seq: number; kind: 'notice'; at: number; notice: Notice };

const MAX_PATH = 4_096;

/**
 * Host -> engine worker. A schema, because the worker must never act on a message it did not
 * parse: the host is ours, but the boundary is where a bug or a stray message would otherwise
 * become an exception inside the engine.
 */
export const EngineCommandSchema = z.discriminatedUnion('kind', [
  z.object({
    v: z.literal(1),
    kind: z.literal('start'),
    configPath: z.string().max(MAX_PATH).nullable(),
    demoConfigText: z.string().nullable(),
    dataDir: z.string().max(MAX_PATH).nullable(),
    /**
     * Serve the agent door on a port of its own, from the engine's thread (src/server/agent-port.ts);
     * null: agents sync through the board's port only.
     */
    agentPort: z
      .object({
        host: z.string().min(1).max(255),
        port: z.int().min(0).max(65_535),
        tls: z.object({ certFile: z.string().max(MAX_PATH), keyFile: z.string().max(MAX_PATH) }).nullable(),
      })
      .nullable(),
  }),
  z.object({
    v: z.literal(1),
    kind: z.literal('request'),
    id: z.int().nonnegative(),
    method: z.string().max(100),
    params: z.unknown(),
    /** Who is calling, as the entry point authenticated them. */
    actor: ActorSchema,
  }),
  z.object({ v: z.literal(1), kind: z.literal('stop') }),
  /** The board as the engine last sent it (`Engine.boardAsSent`), for a host that deferred its deltas. */
  z.object({ v: z.literal(1), kind: z.literal('board-state'), id: z.int().nonnegative() }),
]);
export type EngineCommand = z.infer<typeof EngineCommandSchema>;

const seq = z.int().nonnegative();
const version = z.literal(PROTOCOL_VERSION);
/**
 * Board messages are checked for their envelope only: their bodies come from our own engine,
 * and a deep parse of every delta would cost more than the rendering it feeds.
 */
const BoardEnvelope = z.looseObject({ v: version, seq, kind: z.enum(['snapshot', 'delta', 'config', 'notice']) });
/** The worker's own messages to its host (never past it): their version is the commands' (1). */
const lifecycle = z.literal(1);
const LogSchema = z.object({
  v: lifecycle,
  seq,
  kind: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});
const ResponseSchema = z.discriminatedUnion('ok', [
  z.object({ v: lifecycle, seq, kind: z.literal('response'), id: z.int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ v: lifecycle, seq, kind: z.literal('response'), id: z.int(), ok: z.literal(false), error: z.string() }),
]);
const StoppedSchema = z.object({ v: lifecycle, seq, kind: z.literal('stopped') });
/** The answer to a `board-state` command: a snapshot message's JSON text, null before the first snapshot. */
const BoardStateSchema = z.object({
  v: lifecycle,
  seq,
  kind: z.literal('board-state'),
  id: z.int(),
  text: z.string().nullable(),
});
/** Where the worker's agent port listens (`url`), or why it could not (`error`); after each start. */
const AgentPortSchema = z.object({
  v: lifecycle,
  seq,
  kind: z.literal('agent-port'),
  url: z.string().max(300).nullable(),
  error: z.string().max(2_000).nullable(),
});
/**
 * A board message as the engine worker sends it: serialised once, in the worker, to the JSON
 * text every SSE client is sent as it is. `seq` and `board` are the message's own seq and kind,
 * and its text must start with that envelope (`boardTextFits`): the host checks it before
 * forwarding the bytes; it parses the rest only where it needs objects.
 */
const BoardTextSchema = z.object({
  v: lifecycle,
  seq,
  kind: z.literal('board'),
  board: z.enum(['snapshot', 'delta', 'config', 'notice']),
  text: z.string(),
});
export type BoardText = z.infer<typeof BoardTextSchema>;

/** A board message's text, as the worker sends it. The engine puts the envelope first (`v`, `seq`, `kind`). */
export function boardText(message: BoardMessage): BoardText {
  return { v: 1, seq: message.seq, kind: 'board', board: message.kind, text: JSON.stringify(message) };
}

/**
 * Whether a board text's JSON starts with the envelope its wrapper claims: this protocol's
 * version, its seq and its kind, so what is forwarded unparsed is the message the host counted.
 * The rest of the text is our engine's JSON.stringify; browsers check each message's envelope
 * again (the stream worker's isBoardMessage) before applying it.
 */
export function boardTextFits(event: BoardText): boolean {
  return event.text.startsWith(`{"v":${PROTOCOL_VERSION},"seq":${event.seq},"kind":"${event.board}",`);
}

/**
 * Engine worker -> host: board messages as text, plus lifecycle messages the UI never sees.
 * Parsed by `kind`: one schema per message, not each tried in turn.
 */
const EngineEventSchema = z.discriminatedUnion('kind', [
  BoardTextSchema,
  LogSchema,
  ResponseSchema,
  StoppedSchema,
  BoardStateSchema,
  AgentPortSchema,
]);
export type EngineEvent = z.infer<typeof EngineEventSchema>;

/** Validation where a board message enters a process boundary: the envelope, not deep content. */
export function isBoardMessage(value: unknown): value is BoardMessage {
  return BoardEnvelope.safeParse(value).success;
}

/** A board message of another protocol version (an old page, a newer server): not applied, a snapshot asked for. */
export function isOtherVersion(value: unknown): boolean {
  const v = (value as { v?: unknown } | null)?.v;
  return typeof v === 'number' && v !== PROTOCOL_VERSION;
}

export function isEngineEvent(value: unknown): value is EngineEvent {
  return EngineEventSchema.safeParse(value).success;
}
