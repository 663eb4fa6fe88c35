/**
 * Messages between the engine thread (StoreClient) and the store thread (store-thread.ts), one
 * schema each way, parsed where they arrive. Writes are numbered (`seq`): the store thread
 * acknowledges a number once every write up to it is committed (or dropped by the queue's
 * bound, counted), and the engine keeps each write until then, so a store thread that dies loses
 * nothing: its replacement is sent the unacknowledged writes again, in order. Results and check
 * states are the engine's own values; the store sanitises each result as it queues it
 * (HistoryStore.record), so one malformed result cannot fail its batch.
 */
import { z } from 'zod';
import type { IncidentEvent, IncidentView, ProbeResult, StorageHealthView } from '../../shared/model.ts';
import type { DurableOp, SavedCheckState } from './history-store.ts';

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;
const isCheckState = (entry: unknown): boolean =>
  Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && isObject(entry[1]);

const ModuleStateSchema = z.strictObject({ key: z.string().min(1), at: z.number(), body: z.string() });

const AuditEntrySchema = z.strictObject({
  policyId: z.string().min(1),
  at: z.number(),
  step: z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * A durable write (HistoryStore.queueDurable): incident writes, failover audit entries, module
 * state; made in order, in the write's durable transaction.
 */
const DurableOpSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('incident'), incident: z.custom<IncidentView>(isObject) }),
  z.strictObject({ op: z.literal('event'), incidentId: z.string().min(1), event: z.custom<IncidentEvent>(isObject) }),
  z.strictObject({ op: z.literal('deleteIncident'), incidentId: z.string().min(1) }),
  z.strictObject({ op: z.literal('audit'), entry: AuditEntrySchema }),
  z.strictObject({ op: z.literal('state'), ...ModuleStateSchema.shape }),
]) satisfies z.ZodType<DurableOp>;

/** How long closing waits for the store thread's last write before ending it. */
export const CLOSE_TIMEOUT_MS = 10_000;

export type ModuleStateWrite = z.infer<typeof ModuleStateSchema>;

const RetentionSchema = z.strictObject({ raw: z.number(), minute: z.number(), hour: z.number() });

const QUERY_METHODS = ['series', 'availability', 'firstAt', 'availabilityAll', 'recent', 'listIncidents'] as const;

const range = z.enum(['1h', '6h', '24h', '7d', '30d']);
const checkId = z.string().min(1);
const vantage = z.string().optional();
/** Each query's arguments, in HistoryStore's order (the time comes as the message's `now`). */
export const QUERY_ARGS = {
  series: z.tuple([checkId, range, z.int().min(1), vantage]),
  availability: z.tuple([checkId, range, vantage]),
  firstAt: z.tuple([checkId, vantage]),
  availabilityAll: z.tuple([range]),
  recent: z.tuple([checkId, z.int().min(0), vantage]),
  listIncidents: z.tuple([
    z.strictObject({
      since: z.number().optional(),
      limit: z.int().min(0).optional(),
      openOnly: z.boolean().optional(),
    }),
  ]),
} as const;
export type QueryMethod = (typeof QUERY_METHODS)[number];

/** What the engine thread sends. `now` is the engine's clock, so the store thread keeps its time. */
export const ToStoreSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('write'),
    seq: z.int().min(1),
    now: z.number(),
    // The results and check states are checked as arrays of objects in one loop each, not
    // element by element through zod: a write carries hundreds, and the store sanitises each
    // result as it queues it (HistoryStore.record).
    results: z.custom<ProbeResult[]>((value) => Array.isArray(value) && value.every(isObject), {
      message: 'expected an array of results',
    }),
    checkStates: z.custom<[string, SavedCheckState][]>((value) => Array.isArray(value) && value.every(isCheckState), {
      message: 'expected an array of [check id, state]',
    }),
    touches: z.array(z.tuple([z.string(), z.number()])),
    /** Incident writes, in order: the write is then durable (synchronous=FULL). */
    durable: z.array(DurableOpSchema),
    /** Module states committed with the results, durably (commitWith); empty for a plain batch. */
    states: z.array(ModuleStateSchema),
  }),
  z.strictObject({
    kind: z.literal('query'),
    id: z.int().min(1),
    now: z.number(),
    method: z.enum(QUERY_METHODS),
    args: z.array(z.unknown()).max(5),
  }),
  z.strictObject({ kind: z.literal('retention'), retention: RetentionSchema }),
  z.strictObject({ kind: z.literal('close') }),
]);
export type ToStore = z.infer<typeof ToStoreSchema>;

const StatsSchema = z.strictObject({
  flushed: z.number(),
  dropped: z.number(),
  malformed: z.number(),
  flushFailures: z.number(),
  lastError: z.string().nullable(),
});
export type ThreadStats = z.infer<typeof StatsSchema>;

/** What the store thread sends back. */
export const FromStoreSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('opened'), path: z.string() }),
  /** Every write up to `upTo` is committed (or was dropped by the queue's bound, counted in stats). */
  z.strictObject({ kind: z.literal('acked'), upTo: z.int().min(0), stats: StatsSchema }),
  /**
   * Every write up to `upTo` is committed or, the disk refusing, held on the store thread in
   * order (its incident writes may be shown: as HistoryStore's held writes); not acknowledged.
   */
  z.strictObject({ kind: z.literal('held'), upTo: z.int().min(0) }),
  /** The answer to a write with `states`: committed with them (true) or kept to retry (false). */
  z.strictObject({ kind: z.literal('committed'), seq: z.int().min(1), ok: z.boolean() }),
  /** A query's value, or why it failed (`error`). */
  z.strictObject({ kind: z.literal('answer'), id: z.int().min(1), value: z.unknown(), error: z.string().optional() }),
  z.strictObject({ kind: z.literal('health'), health: z.custom<StorageHealthView>(isObject) }),
  z.strictObject({ kind: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.strictObject({ kind: z.literal('closed') }),
]);
export type FromStore = z.infer<typeof FromStoreSchema>;

/**
 * The module state under which the store thread keeps, with every batch, the last write number
 * it queued: { session, seq }. A write acknowledged late (the thread died between commit and
 * acknowledgement) is sent again to the next thread, which finds it there and skips it.
 */
export const WRITTEN_MARK = 'store-thread.written';
export const WrittenMarkSchema = z.object({ session: z.string(), seq: z.int().min(0) });

/** What the store thread is started with (workerData). */
export const StoreThreadDataSchema = z.strictObject({
  role: z.literal('knockon-store'),
  /** The StoreClient's own id: write numbers are its (see WRITTEN_MARK). */
  session: z.string().min(1),
  dataDir: z.string().nullable(),
  now: z.number(),
  retention: RetentionSchema.optional(),
});
export type StoreThreadData = z.infer<typeof StoreThreadDataSchema>;
