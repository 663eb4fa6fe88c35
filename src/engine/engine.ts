import type { Config } from '../shared/config/schema.ts';
import type { BoardSnapshot, CheckView, ConfigIssue, ConfigState, ProbeResult } from '../shared/model.ts';
import { DELTA_INTERVAL_MS, PROTOCOL_VERSION, type BoardMessage } from '../shared/protocol.ts';
import { ChangeBatcher } from './batcher.ts';
import { describeTarget, initialView, resolveChecks, type ResolvedCheck } from './checks.ts';
import type { Clock } from './clock.ts';
import { runProbe } from './probes/index.ts';
import type { RpcRegistry } from './rpc.ts';
import { Scheduler } from './scheduler.ts';
import { INITIAL_STATE, nextState, type CheckState } from './status.ts';

export type ProbeFn = (check: ResolvedCheck, signal: AbortSignal) => Promise<ProbeResult>;

export interface EngineOptions {
  clock: Clock;
  emit: (message: BoardMessage) => void;
  /** Probes running at once across all checks. */
  maxInFlight?: number;
  probe?: ProbeFn;
  /** Where modules register the board's queries and actions. */
  rpc?: RpcRegistry;
  /** Called with every result, for history and benchmarks. */
  onResult?: (result: ProbeResult, check: ResolvedCheck) => void;
}

interface Tracked {
  check: ResolvedCheck;
  state: CheckState;
  view: CheckView;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;

/**
 * The engine's core, free of threads and files: config in, probes scheduled, results turned
 * into check states, changes batched out as board messages.
 */
export class Engine {
  private readonly clock: Clock;
  private readonly emitRaw: (message: BoardMessage) => void;
  private readonly probe: ProbeFn;
  private readonly onResult: EngineOptions['onResult'];
  private readonly scheduler: Scheduler;
  private readonly batcher: ChangeBatcher;
  private readonly abort = new AbortController();
  private tracked = new Map<string, Tracked>();
  private config: Config | null = null;
  private configState: ConfigState = { source: 'none', appliedAt: 0, error: null };
  private seq = 0;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.emitRaw = options.emit;
    this.probe = options.probe ?? runProbe;
    this.onResult = options.onResult;
    this.scheduler = new Scheduler({
      clock: this.clock,
      maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      run: (id) => this.probeOnce(id),
    });
    this.batcher = new ChangeBatcher(this.clock, DELTA_INTERVAL_MS, (changed, removed) =>
      this.emitDelta(changed, removed),
    );
  }

  /** Applies a valid config. Checks whose target is unchanged keep their state and phase. */
  applyConfig(config: Config, source: string): void {
    const next = new Map<string, Tracked>();
    for (const check of resolveChecks(config)) {
      const old = this.tracked.get(check.id);
      if (old && old.check.type === check.type && describeTarget(old.check) === describeTarget(check)) {
        next.set(check.id, { check, state: old.state, view: { ...old.view, ...pickStatic(initialView(check)) } });
      } else {
        next.set(check.id, { check, state: INITIAL_STATE, view: initialView(check) });
      }
    }
    this.tracked = next;
    this.config = config;
    this.configState = { source, appliedAt: this.clock.now(), error: null };
    this.scheduler.setJobs([...next.values()].map((t) => ({ id: t.check.id, intervalMs: t.check.intervalMs })));
    this.batcher.clear();
    this.emit({ kind: 'snapshot', snapshot: this.snapshot() });
  }

  /** The file on disk is invalid: say so, and keep running the last good config. */
  reportConfigError(issues: ConfigIssue[]): void {
    this.configState = { ...this.configState, error: { at: this.clock.now(), issues } };
    this.emit({ kind: 'config', at: this.clock.now(), config: this.configState });
  }

  snapshot(): BoardSnapshot {
    const config = this.config;
    return {
      title: config?.board.title ?? 'Knockon',
      timezone: config?.board.timezone ?? 'UTC',
      generatedAt: this.clock.now(),
      config: this.configState,
      regions: (config?.regions ?? []).map((r) => ({
        id: r.id,
        name: r.name,
        lat: r.lat,
        lon: r.lon,
        providerRegion: r.provider_region ?? null,
      })),
      checks: [...this.tracked.values()].map((t) => t.view),
      components: [],
      incidents: [],
      vantage: { id: 'local', name: 'this machine', online: true, reason: null },
      failovers: [],
    };
  }

  schedulerStats() {
    return this.scheduler.stats();
  }

  stop(): void {
    this.abort.abort();
    this.scheduler.stop();
    this.batcher.stop();
  }

  private async probeOnce(id: string): Promise<void> {
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    const result = await this.probe(tracked.check, this.abort.signal);
    // The config may have changed while the probe ran; a result for a replaced check is dropped.
    if (this.tracked.get(id) !== tracked || this.abort.signal.aborted) return;
    this.onResult?.(result, tracked.check);
    const state = nextState(tracked.state, result, tracked.check, this.clock.now());
    tracked.state = state;
    tracked.view = {
      ...tracked.view,
      status: state.status,
      since: state.since,
      lastProbeAt: result.startedAt,
      latencyMs: result.latencyMs === null ? null : Math.round(result.latencyMs * 10) / 10,
      errorClass: result.errorClass,
      message: result.message,
      consecutiveFailures: state.consecutiveFailures,
      consecutiveSuccesses: state.consecutiveSuccesses,
    };
    this.batcher.changed(id);
  }

  private emitDelta(changed: string[], removed: string[]): void {
    const checks = changed.flatMap((id) => {
      const t = this.tracked.get(id);
      return t ? [t.view] : [];
    });
    this.emit({ kind: 'delta', at: this.clock.now(), checks, removed });
  }

  private emit(message: DistributiveOmit<BoardMessage, 'v' | 'seq'>): void {
    this.emitRaw({ ...message, v: PROTOCOL_VERSION, seq: ++this.seq } as BoardMessage);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function pickStatic(view: CheckView): Partial<CheckView> {
  const { name, type, target, region, intervalMs, timeoutMs } = view;
  return { name, type, target, region, intervalMs, timeoutMs };
}
