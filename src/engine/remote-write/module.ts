/**
 * The remote-write engine module: every result (local or from an agent) becomes samples pushed
 * to each configured `remote_write` queue. The hook only turns the result into a few small
 * objects and pushes them onto bounded rings; encoding and sending happen later, on the
 * senders' own timers (sender.ts), so a slow or absent receiver never delays a probe.
 */
import type { Config } from '../../shared/config/schema.ts';
import type { RemoteWriteConfig } from '../../shared/config/remote-write.ts';
import type { RemoteWriteHealth } from '../../shared/model.ts';
import { firstComponentOf } from '../../shared/probe-metrics.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { Clock } from '../clock.ts';
import type { CheckUpdate, EngineModule } from '../engine.ts';
import { SampleMaker, type Emit } from './samples.ts';
import { RemoteWriteSender, type SenderOptions } from './sender.ts';

/** How often the queues' trouble is re-read for the board. */
export const HEALTH_EVERY_MS = 2_000;
/** How long the board keeps showing that a queue dropped samples. */
export const DROPS_SHOWN_MS = 10 * 60_000;

export class RemoteWriteModule implements EngineModule {
  readonly name = 'remote-write';
  private readonly options: SenderOptions;
  private readonly maker = new SampleMaker();
  /** Keyed by the entry's config as JSON: an unchanged entry keeps its queue across reloads. */
  private senders = new Map<string, RemoteWriteSender>();
  private list: RemoteWriteSender[] = [];
  private componentOf = new Map<string, string>();

  private readonly onHealth: ((troubled: RemoteWriteHealth[]) => void) | undefined;
  private healthTimer: unknown = null;
  private lastTroubled = '[]';
  /** Each queue's drop count when it last grew, and when. */
  private readonly lastDrops = new Map<string, { total: number; at: number }>();

  constructor(options: {
    clock: Clock;
    log: SenderOptions['log'];
    env?: SenderOptions['env'];
    /** Told (at most every HEALTH_EVERY_MS) when the queues in trouble change: the board shows them. */
    onHealth?: (troubled: RemoteWriteHealth[]) => void;
  }) {
    this.options = options;
    this.onHealth = options.onHealth;
  }

  onConfig(config: Config, checks: readonly ResolvedCheck[]): void {
    const next = new Map<string, RemoteWriteSender>();
    for (const entry of config.remote_write) {
      const key = JSON.stringify(entry);
      next.set(key, this.senders.get(key) ?? this.sender(entry));
    }
    for (const [key, sender] of this.senders) if (!next.has(key)) void sender.stop();
    this.senders = next;
    this.list = [...next.values()];
    // The first component listing a check, as /metrics labels it.
    this.componentOf = firstComponentOf(config.components);
    this.maker.retain(new Set(checks.map((c) => c.id)));
    if (this.onHealth && this.healthTimer === null && this.list.length > 0) this.watchHealth();
    if (this.list.length === 0 && this.lastTroubled !== '[]') {
      this.lastTroubled = '[]';
      this.onHealth?.([]);
    }
  }

  /**
   * Queues retrying, or that dropped samples within DROPS_SHOWN_MS, re-read on a slow timer: a
   * drop count moves with every sample while a receiver is away, and the board needs a glance,
   * not a stream. Old drops stay counted in engine health and /metrics, not on the wall.
   */
  private watchHealth(): void {
    this.healthTimer = this.options.clock.setTimeout(() => {
      this.healthTimer = null;
      const now = this.options.clock.now();
      const troubled = this.health().filter((h) => {
        const total = h.droppedQueueFull + h.droppedRejected;
        const last = this.lastDrops.get(h.name);
        if (total > (last?.total ?? 0)) this.lastDrops.set(h.name, { total, at: now });
        const at = this.lastDrops.get(h.name)?.at;
        return h.retrying || (at !== undefined && now - at < DROPS_SHOWN_MS);
      });
      const text = JSON.stringify(troubled.map(({ queued: _q, sent: _s, lastSentAt: _l, ...rest }) => rest));
      if (text !== this.lastTroubled) {
        this.lastTroubled = text;
        this.onHealth?.(troubled);
      }
      if (this.list.length > 0) this.watchHealth();
    }, HEALTH_EVERY_MS);
  }

  onCheckUpdate(update: CheckUpdate): void {
    if (this.list.length === 0) return;
    const component = this.componentOf.get(update.check.id) ?? '';
    this.maker.samples(update.check, component, update.vantage, update.result, this.emit);
  }

  /** Made once: the per-result path allocates no closure. */
  private readonly emit: Emit = (labels, value, timestampMs) => {
    for (const sender of this.list) sender.push(labels, value, timestampMs);
  };

  health(): RemoteWriteHealth[] {
    return [...this.senders.values()].map((s) => s.health());
  }

  /** Until every queue is empty and nothing is in flight (benchmarks and tests). */
  async drained(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.drained()));
  }

  async stop(): Promise<void> {
    if (this.healthTimer !== null) this.options.clock.clearTimeout(this.healthTimer);
    this.healthTimer = null;
    await Promise.all([...this.senders.values()].map((s) => s.stop()));
    this.senders.clear();
    this.list = [];
  }

  private sender(entry: RemoteWriteConfig): RemoteWriteSender {
    return new RemoteWriteSender(entry, this.options);
  }
}
