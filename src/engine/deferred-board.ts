import { LiveBoard } from '../shared/board-state.ts';
import type { BoardSnapshot } from '../shared/model.ts';
import { isBoardMessage, PROTOCOL_VERSION, type BoardMessage } from '../shared/protocol.ts';

type Snapshot = Extract<BoardMessage, { kind: 'snapshot' }>;

/**
 * A `LiveBoard` that takes deltas as the JSON text the engine serialised and applies them only
 * when the board is asked for (a client joining, /api/snapshot, /metrics): a host that only
 * forwards the text to its clients never parses it. What is held back is bounded by the caller:
 * past `deferredBytes()` it resets the board to the engine's own (`reset`), or catches up.
 */
export class DeferredBoard {
  private readonly board = new LiveBoard();
  private deferred: string[] = [];
  private bytes = 0;
  private lastSeq = 0;

  /** A board message as an object: applied now, after what was deferred (a snapshot drops that). */
  apply(message: BoardMessage): void {
    if (message.kind === 'snapshot') this.drop();
    else if (message.kind !== 'notice') this.catchUp();
    // A notice changes nothing on the board: no reason to catch up for it.
    if (message.kind !== 'notice') this.board.apply(message);
    this.lastSeq = message.seq;
  }

  /** A delta's text (its envelope already checked against `seq`): kept until the board is asked for. */
  defer(seq: number, text: string): void {
    this.lastSeq = seq;
    if (!this.board.started()) return;
    this.deferred.push(text);
    this.bytes += text.length;
  }

  /**
   * The engine's board as of message `seq` replaces this one and what was deferred, when it is
   * as of the last message received (it always is, the port keeping order); false otherwise.
   */
  reset(message: Snapshot): boolean {
    if (message.seq !== this.lastSeq) return false;
    this.drop();
    this.board.apply(message);
    return true;
  }

  /** Characters of delta text held back, not yet applied. */
  deferredBytes(): number {
    return this.bytes;
  }

  /** Applies what was deferred, in order. A text that is not a board message is an engine bug: it throws. */
  catchUp(): void {
    if (this.deferred.length === 0) return;
    const texts = this.deferred;
    this.drop();
    for (const text of texts) {
      const message: unknown = JSON.parse(text);
      if (!isBoardMessage(message)) throw new TypeError('a deferred board message is not one');
      this.board.apply(message);
    }
  }

  /** The latest board, or null before the first snapshot. */
  current(): BoardSnapshot | null {
    this.catchUp();
    return this.board.current();
  }

  /** Whether a snapshot has arrived. */
  started(): boolean {
    return this.board.started();
  }

  /** The seq of the last message received: `current()` reflects it. */
  seq(): number {
    return this.lastSeq;
  }

  /** The board as a snapshot message numbered as the last message received. */
  snapshotMessage(): Snapshot | null {
    const snapshot = this.current();
    return snapshot && { v: PROTOCOL_VERSION, seq: this.lastSeq, kind: 'snapshot', snapshot };
  }

  private drop(): void {
    this.deferred = [];
    this.bytes = 0;
  }
}
