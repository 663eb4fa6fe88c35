/**
 * The messages between the engine and everything that shows its results.
 *
 * The same `BoardMessage`s travel engine worker -> host (Electron main or headless server) ->
 * renderer (over IPC or SSE). Every message carries the protocol version and a sequence number
 * so a receiver can tell a gap (and ask for a snapshot) from a duplicate.
 */
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

export const PROTOCOL_VERSION = 1;

/** Deltas are flushed at most this often: a few per second, never one per probe. */
export const DELTA_INTERVAL_MS = 250;

export type BoardMessage =
  | { v: 1; seq: number; kind: 'snapshot'; snapshot: BoardSnapshot }
  | {
      v: 1;
      seq: number;
      kind: 'delta';
      at: number;
      /** Changed checks, sent whole. */
      checks: CheckView[];
      /** Ids of checks that no longer exist. */
      removed: string[];
      /** Changed components, incidents and failovers, sent whole (absent when none changed). */
      components?: ComponentView[];
      incidents?: IncidentView[];
      failovers?: FailoverView[];
      vantage?: VantageView;
    }
  | { v: 1; seq: number; kind: 'config'; at: number; config: ConfigState }
  | { v: 1; seq: number; kind: 'notice'; at: number; notice: Notice };

/** Host -> engine worker. */
export type EngineCommand =
  | { v: 1; kind: 'start'; configPath: string | null; demoConfigText: string | null; dataDir: string | null }
  | { v: 1; kind: 'request'; id: number; method: string; params: unknown }
  | { v: 1; kind: 'stop' };

/** Engine worker -> host: board messages, plus lifecycle messages the UI never sees. */
export type EngineEvent =
  | BoardMessage
  | { v: 1; seq: number; kind: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { v: 1; seq: number; kind: 'response'; id: number; ok: true; result: unknown }
  | { v: 1; seq: number; kind: 'response'; id: number; ok: false; error: string }
  | { v: 1; seq: number; kind: 'stopped' };

const BOARD_KINDS = new Set(['snapshot', 'delta', 'config', 'notice']);

/** Narrow validation where a message enters a process boundary; shape, not deep content. */
export function isBoardMessage(value: unknown): value is BoardMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return m.v === PROTOCOL_VERSION && typeof m.seq === 'number' && BOARD_KINDS.has(m.kind as string);
}

export function isEngineEvent(value: unknown): value is EngineEvent {
  if (isBoardMessage(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return m.v === PROTOCOL_VERSION && (m.kind === 'log' || m.kind === 'stopped' || m.kind === 'response');
}
