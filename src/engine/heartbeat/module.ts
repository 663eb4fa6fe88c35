import type { Config } from '../../shared/config/schema.ts';
import type { ResolvedCheck } from '../checks.ts';
import type { EngineModule } from '../engine.ts';
import type { HeartbeatBook } from './book.ts';
import { HeartbeatListener, type ListenerAddress } from './listener.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * Keeps the heartbeat book in step with the config and runs the listener only where
 * `heartbeat_listener` says (no listener at all without it), moving it when that changes.
 */
export class HeartbeatModule implements EngineModule {
  readonly name = 'heartbeat';
  private readonly book: HeartbeatBook;
  private readonly log: Log;
  private listener: HeartbeatListener | null = null;
  private key = '';
  private stopped = false;
  /** Settles when the latest listener change has (for tests and orderly stops). */
  ready: Promise<ListenerAddress | null> = Promise.resolve(null);

  constructor(book: HeartbeatBook, log: Log) {
    this.book = book;
    this.log = log;
  }

  onConfig(config: Config, checks: readonly ResolvedCheck[]): void {
    this.book.configure(checks);
    const where = config.heartbeat_listener;
    const key = where ? `${where.host}:${where.port}` : '';
    if (key === this.key) return;
    this.key = key;
    const previous = this.ready;
    const old = this.listener;
    this.listener = null;
    this.ready = previous.then(async () => {
      await old?.close();
      if (!where || this.stopped || this.key !== key) return null;
      const listener = new HeartbeatListener(this.book);
      try {
        const bound = await listener.listen(where);
        if (this.stopped || this.key !== key) {
          await listener.close();
          return null;
        }
        this.listener = listener;
        this.log('info', `heartbeat listener on http://${bound.host}:${bound.port}/heartbeat/<check-id>`);
        return bound;
      } catch (error) {
        this.log('error', `heartbeat listener cannot listen on ${key}: ${String(error)}`);
        return null;
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.ready;
    await this.listener?.close();
    this.listener = null;
  }
}
