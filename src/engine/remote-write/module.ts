/**
 * The remote-write engine module: every result (local or from an agent) becomes samples pushed
 * to each configured `remote_write` queue. The hook only turns the result into a few small
 * objects and pushes them onto bounded rings; encoding and sending happen later, on the
 * senders' own timers (sender.ts), so a slow or absent receiver never delays a probe.
 */
import type { Config } from '../../shared/config/schema.ts';
import type { RemoteWriteConfig } from '../../shared/config/remote-write.ts';
import type { RemoteWriteHealth } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { Clock } from '../clock.ts';
import type { CheckUpdate, EngineModule } from '../engine.ts';
import { SampleMaker, type Emit } from './samples.ts';
import { RemoteWriteSender, type SenderOptions } from './sender.ts';

export class RemoteWriteModule implements EngineModule {
  readonly name = 'remote-write';
  private readonly options: SenderOptions;
  private readonly maker = new SampleMaker();
  /** Keyed by the entry's config as JSON: an unchanged entry keeps its queue across reloads. */
  private senders = new Map<string, RemoteWriteSender>();
  private list: RemoteWriteSender[] = [];
  private componentOf = new Map<string, string>();

  constructor(options: { clock: Clock; log: SenderOptions['log']; env?: SenderOptions['env'] }) {
    this.options = options;
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
    this.componentOf = new Map();
    for (const c of config.components)
      for (const id of c.checks) if (!this.componentOf.has(id)) this.componentOf.set(id, c.id);
    this.maker.retain(new Set(checks.map((c) => c.id)));
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
    await Promise.all([...this.senders.values()].map((s) => s.stop()));
    this.senders.clear();
    this.list = [];
  }

  private sender(entry: RemoteWriteConfig): RemoteWriteSender {
    return new RemoteWriteSender(entry, this.options);
  }
}
