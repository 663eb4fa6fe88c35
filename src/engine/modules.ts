import type { Engine } from './engine.ts';
import type { RpcRegistry } from './rpc.ts';

export interface ModuleContext {
  engine: Engine;
  rpc: RpcRegistry;
  /** Where durable state lives; null keeps everything in memory (tests, `check --once`). */
  dataDir: string | null;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * Installs the engine's modules in order: history first (so results are stored before
 * anything reacts to them), then analysis and alerting, then failover.
 * Each module adds one line here.
 */
export async function installModules(_context: ModuleContext): Promise<void> {}
