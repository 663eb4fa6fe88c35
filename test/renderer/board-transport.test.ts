import { describe, expect, it } from 'vitest';
import type { KnockonApi } from '../../src/shared/api.ts';
import { applyBoardMessage, followsOn } from '../../src/shared/board-state.ts';
import type { BoardSnapshot, CheckView } from '../../src/shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage } from '../../src/shared/protocol.ts';
import { ipcTransport } from '../../src/renderer/src/transport/ipc-client.ts';
import { checkView, emptyBoard } from '../support/board.ts';

const check = (id: string, latencyMs: number): CheckView => checkView(id, { latencyMs });

const snapshot = (seq: number, latencyMs: number): BoardMessage => ({
  v: PROTOCOL_VERSION,
  seq,
  kind: 'snapshot',
  snapshot: { ...emptyBoard(seq), checks: [check('a', latencyMs)] },
});
const patch = (seq: number, latencyMs: number): BoardMessage => ({
  v: PROTOCOL_VERSION,
  seq,
  kind: 'delta',
  at: seq,
  checks: [],
  patches: [{ id: 'a', set: { latencyMs } }],
  removed: [],
});

/**
 * The Electron side as the renderer sees it through the preload: board messages pushed, and the
 * latest board as a numbered snapshot on request (what main/ipc.ts answers from the host).
 */
function desktop() {
  const listeners = new Set<(m: BoardMessage) => void>();
  const asked: ((m: BoardMessage | null) => void)[] = [];
  const api: KnockonApi = {
    transport: 'ipc',
    getSnapshot: () => new Promise((resolve) => asked.push(resolve)),
    onBoardMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    call: () => Promise.reject(new Error('not in this test')),
    onOpenIncident: () => () => {},
  };
  return { api, push: (m: BoardMessage) => listeners.forEach((l) => l(m)), asked };
}

/** What the renderer's store does with a batch (src/renderer/src/store.ts, which needs a DOM): in order, stopping at a gap. */
function receiver() {
  let board: BoardSnapshot | null = null;
  let seq: number | null = null;
  return {
    latency: () => board?.checks[0]?.latencyMs,
    onMessages: (messages: BoardMessage[]) => {
      for (const message of messages) {
        if (!followsOn(seq, message)) {
          seq = null;
          return false;
        }
        seq = message.seq;
        board = applyBoardMessage(board, message);
      }
      return true;
    },
  };
}

describe('the board over IPC', () => {
  it('starts from a numbered snapshot, applies what follows it, and asks again after a missed message', async () => {
    const side = desktop();
    const { latency, onMessages } = receiver();
    const disconnect = ipcTransport(side.api).connect({ onMessages, onConnection: () => {} });
    expect(side.asked).toHaveLength(1);
    // Before the snapshot arrives, pushed messages are not applied (they are in it or before it).
    side.push(patch(4, 40));
    side.asked.shift()!(snapshot(5, 50));
    await Promise.resolve();
    await Promise.resolve();
    expect(latency()).toBe(50);
    side.push(patch(6, 60));
    expect(latency()).toBe(60);
    // Seq 7 never came: 8 is not applied to a board that lacks 7, and a snapshot is asked for.
    side.push(patch(8, 80));
    expect(latency()).toBe(60);
    expect(side.asked).toHaveLength(1);
    side.push(patch(9, 90));
    expect(side.asked).toHaveLength(1);
    side.asked.shift()!(snapshot(9, 90));
    await Promise.resolve();
    await Promise.resolve();
    side.push(patch(10, 100));
    expect(latency()).toBe(100);
    disconnect();
  });
});
