import type { Config } from '../../shared/config/schema.ts';
import type { ProbeResult, Status, StorageHealthView } from '../../shared/model.ts';
import { describeTarget, type ResolvedCheck } from '../checks.ts';
import type { Clock } from '../clock.ts';
import type { CheckUpdate, EngineModule, RestoredCheck } from '../engine.ts';
import type { RpcRegistry } from '../rpc.ts';
import { INITIAL_STATE } from '../status.ts';
import { registerHistoryRpc, type HistoryQueries, type KnownVantages } from './history-rpc.ts';
import { HistoryStore, type HistoryStoreOptions, type SavedCheckState, type StoreLog } from './history-store.ts';
import { StoreClient } from './store-client.ts';

export interface HistoryModuleOptions {
  dataDir: string | null;
  clock: Clock;
  log: StoreLog;
  rpc?: RpcRegistry;
  /** Told when saving starts failing or works again. */
  onHealth?: HistoryStoreOptions['onHealth'];
  /** The store thread's entry file (StoreClient); the source file by default. */
  storeEntry?: string | URL;
}

/** How often at most a check's state row is rewritten while its status stays the same. */
const STATE_EVERY_MS = 60_000;

/**
 * What the module needs of its store: a StoreClient in the engine (the store on its own thread),
 * or a HistoryStore on the engine's thread (tools, and tests of the modules above the store).
 */
export type HistoryBackend = HistoryQueries &
  Pick<HistoryStore, 'record' | 'queueCheckState' | 'loadCheckStates' | 'setRetention'> & {
    close(): void | Promise<void>;
  };

/**
 * Keeps every result and each check's last state in the history store, serves the board's
 * history queries, and gives the engine the last known states at start-up.
 */
export class HistoryModule<Store extends HistoryBackend = StoreClient> implements EngineModule {
  readonly name = 'history';
  readonly store: Store;
  private readonly log: StoreLog;
  /** States from before the restart, offered once: to the first config applied. */
  private restorable: Map<string, SavedCheckState> | null;
  /** The config's vantage ids, for the board's queries; the defaults until a config is applied. */
  private vantages: KnownVantages = { local: 'local', remote: new Set() };
  /** Per check: when its state row was last written, and with which status. */
  private readonly written = new Map<string, { at: number; status: Status }>();
  /** Per check: its newest update when its state was not written yet (written within STATE_EVERY_MS). */
  private readonly held = new Map<string, HeldUpdate>();

  constructor(store: Store, log: StoreLog, rpc?: RpcRegistry) {
    this.store = store;
    this.log = log;
    this.restorable = store.loadCheckStates();
    if (rpc) registerHistoryRpc(rpc, store, () => this.vantages);
  }

  /**
   * Opens `<dataDir>/knockon.db` on this thread (incidents, audit, state, tokens) and starts the
   * store thread on the same file (results, rollups, queries: StoreClient). When the file cannot
   * be opened (unwritable directory, a newer schema, a corrupt file) the engine still runs, with
   * history in memory, and the log says why.
   */
  static open(options: HistoryModuleOptions): HistoryModule {
    let client: StoreClient | null = null;
    // The durable side's timers are the client's (held writes are retried on its flush).
    const common = {
      clock: options.clock,
      log: options.log,
      timers: false,
      onHealth: (health: StorageHealthView) => client?.durableHealthChanged(health),
    };
    let durable: HistoryStore;
    let dataDir = options.dataDir;
    try {
      durable = new HistoryStore({ ...common, dataDir });
      if (dataDir !== null) options.log('info', `history in ${durable.path}`);
    } catch (error) {
      options.log(
        'error',
        `history: cannot open the database in ${dataDir}: ${error instanceof Error ? error.message : String(error)}; ` +
          'keeping history in memory until restart',
      );
      durable = new HistoryStore({ ...common, dataDir: null });
      dataDir = null;
    }
    client = new StoreClient({
      durable,
      dataDir,
      clock: options.clock,
      log: options.log,
      onHealth: options.onHealth,
      entry: options.storeEntry,
    });
    return new HistoryModule(client, options.log, options.rpc);
  }

  onConfig(config: Config, checks: readonly ResolvedCheck[]): void {
    if (config.history) this.store.setRetention(config.history.retention);
    // A removed check's row is not rewritten at stop.
    const kept = new Set(checks.map((c) => c.id));
    for (const id of this.written.keys()) if (!kept.has(id)) this.written.delete(id);
    for (const id of this.held.keys()) if (!kept.has(id)) this.held.delete(id);
    this.vantages = {
      local: config.vantage?.id ?? 'local',
      remote: new Set((config.vantages ?? []).map((v) => v.id)),
    };
    // Later configs only add checks that are new in this run: nothing from before applies.
    this.restorable = null;
  }

  restore(check: ResolvedCheck): RestoredCheck | null {
    const saved = this.restorable?.get(check.id);
    // A check whose target changed while the engine was down starts afresh, as on a reload.
    if (!saved || saved.view.type !== check.type || saved.view.target !== describeTarget(check)) return null;
    return { state: { ...INITIAL_STATE, ...saved.state }, view: saved.view };
  }

  onCheckUpdate(update: CheckUpdate): void {
    const result = this.storable(update.result);
    // Inside a maintenance window the result is kept (and shown) but not charged to availability.
    this.store.record(update.state.status === 'maintenance' ? { ...result, maintenance: true } : result);
    // A change of status is written with the next batch; otherwise a check's row is rewritten at
    // most every STATE_EVERY_MS (a check probed from three vantages would rewrite it for every
    // result, the largest part of ingesting them), and its newest state is written at stop. A
    // crash loses at most that long of counters and last-probe times, never a status. The row
    // is made only when it is written: most results only replace the held update.
    const id = update.check.id;
    const last = this.written.get(id);
    if (last && last.status === update.own.status && update.now - last.at < STATE_EVERY_MS) {
      const held = this.held.get(id);
      // Rewritten in place: a new entry per result would live until the next (seconds) and
      // die in the old generation.
      if (held) {
        held.own = update.own;
        held.view = update.view;
        held.result = result;
        held.now = update.now;
      } else this.held.set(id, { own: update.own, view: update.view, result, now: update.now });
      return;
    }
    this.written.set(id, { at: update.now, status: update.own.status });
    this.held.delete(id);
    this.store.queueCheckState(id, savedState({ own: update.own, view: update.view, result, now: update.now }));
  }

  /** This machine's results are stored without a vantage, even when they name its configured id. */
  private storable(result: ProbeResult): ProbeResult {
    if (result.vantage !== this.vantages.local) return result;
    const { vantage: _local, ...rest } = result;
    return rest;
  }

  async stop(): Promise<void> {
    for (const [id, update] of this.held) this.store.queueCheckState(id, savedState(update));
    this.held.clear();
    try {
      await this.store.close();
    } catch (error) {
      this.log(
        'error',
        `history: closing the database failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/** What a check's state row is made from, its result as stored (views and states are never changed in place). */
type HeldUpdate = Pick<CheckUpdate, 'own' | 'view' | 'result' | 'now'>;

/** A check's state row: kept as decided, not as shown (a maintenance window is re-read at start-up, not restored). */
function savedState(update: HeldUpdate): SavedCheckState {
  return {
    state: update.own,
    view: { ...update.view, status: update.own.status },
    // The full result (phases, certificate, DNS answers) is in the results table; this row is
    // rewritten often, so it keeps only what the board shows.
    lastResult: summary(update.result),
    savedAt: update.now,
  };
}

function summary(result: ProbeResult): ProbeResult {
  const { checkId, startedAt, ok, latencyMs, errorClass, message, httpStatus, vantage } = result;
  return {
    checkId,
    startedAt,
    ok,
    latencyMs,
    errorClass,
    message,
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(vantage === undefined ? {} : { vantage }),
  };
}
