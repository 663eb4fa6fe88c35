/**
 * The agent's own file, `<data-dir>/agent.db` (node:sqlite, WAL): its stream id, the next
 * sequence number, the last assignment, and the results not yet acknowledged by the centre.
 *
 * Results are numbered as they are made and written in batches, one transaction a sync,
 * synchronous=NORMAL as the centre writes its results: an agent that crashes or is killed loses
 * none, a power cut may lose the last ones not yet fsynced. Numbers are reserved ahead, up to
 * `reserved_seq`, in a durable transaction (synchronous=FULL) once every RESERVE_SEQ results:
 * a number once sent is never handed out again, even after a power cut, since a restart starts
 * after the reservation (a gap in the stream, which the centre skips); a clean close gives back
 * what it did not use. The buffer is bounded by count and by age: past either, the oldest go
 * first and are counted. Only rows written are ever sent.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  AssignmentSchema,
  WireResultSchema,
  type Assignment,
  type NumberedResult,
  type WireResult,
} from '../shared/agent-protocol.ts';

export const AGENT_DB_FILE = 'agent.db';
const SCHEMA_VERSION = 1;
/** Sequence numbers reserved durably at a time: one fsync per this many results. */
export const RESERVE_SEQ = 10_000;

export interface AgentBufferOptions {
  dataDir: string;
  /** Results kept at most (on disk and waiting to be written); the oldest go first. */
  maxCount: number;
  /** Results older than this (by when they were probed) are dropped. */
  maxAgeMs: number;
  now?: () => number;
}

/** A result waiting at the agent, with its number in the stream. */
export type BufferedResult = NumberedResult;

interface Pending {
  seq: number;
  startedAt: number;
  json: string;
  result: WireResult;
}

/** A result on disk, kept in memory too (`recent`): what a sync sends, without reading it back. */
interface Recent {
  seq: number;
  result: WireResult;
  /** As batch() counts a row: its JSON's bytes and room for the entry's envelope. */
  bytes: number;
}

/** Results kept in memory after they are written (about 0.5 KB each); older ones are read from disk. */
const MAX_RECENT = 20_000;

/** What a result counts toward a batch's byte bound: its JSON and room for its entry's envelope ({"seq":…,"result":…}). */
function entryBytes(json: string): number {
  return Buffer.byteLength(json) + 32;
}

/** The agent's data is its own: the directory 0700, the database (and its -wal, -shm) 0600. */
function createPrivately(dataDir: string, path: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export class AgentBuffer {
  readonly path: string;
  /** Random, kept: sequence numbers count within it. A wiped buffer starts a new stream. */
  readonly stream: string;
  private readonly db: DatabaseSync;
  private readonly maxCount: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private nextSeq: number;
  /** Numbers below this are reserved on disk (durably): any of them may be sent. */
  private reservedSeq: number;
  private pending: Pending[] = [];
  /**
   * The newest results on disk, in sequence order: each added once its flush committed, removed
   * with its row (an ack) or all at once when the file dropped rows (the bounds, damage), so it
   * is always every row the file has from its first sequence number on. batch() sends from here
   * when that covers all the file has after the cursor, which is every sync but the first ones
   * after a restart.
   */
  private recent: Recent[] = [];
  /** Rows on disk. */
  private stored: number;
  private droppedCount = 0;
  private closed = false;

  private constructor(db: DatabaseSync, path: string, options: AgentBufferOptions) {
    this.db = db;
    this.path = path;
    this.maxCount = options.maxCount;
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
    const meta = (key: string) =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    let stream = meta('stream');
    const version = Number(meta('schema_version') ?? SCHEMA_VERSION);
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path} was written by a newer Knockon (schema ${version}); refusing to misread it`);
    }
    if (stream === undefined || !/^[A-Za-z0-9_-]{8,64}$/.test(stream)) {
      stream = randomBytes(16).toString('base64url');
      this.writeMeta({ stream, schema_version: String(SCHEMA_VERSION), next_seq: '1' });
    }
    this.stream = stream;
    const maxSeq = (db.prepare('SELECT MAX(seq) AS seq FROM results').get() as { seq: number | null }).seq ?? 0;
    // After a crash the reservation is ahead of what was used: the stream goes on after it.
    this.nextSeq = Math.max(Number(meta('next_seq') ?? 1), Number(meta('reserved_seq') ?? 0), maxSeq + 1);
    this.reservedSeq = this.nextSeq;
    this.stored = Number((db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n);
  }

  /**
   * Opens (or creates) the buffer in `dataDir`. Throws when the file cannot be opened or is
   * held by another agent: two agents on one buffer would interleave one stream.
   */
  static open(options: AgentBufferOptions): AgentBuffer {
    const path = join(options.dataDir, AGENT_DB_FILE);
    createPrivately(options.dataDir, path);
    const db = new DatabaseSync(path);
    try {
      db.exec('PRAGMA busy_timeout = 250');
      // Held for as long as the agent runs: a second agent on this directory cannot open it.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('BEGIN IMMEDIATE');
      db.exec(
        'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);' +
          'CREATE TABLE IF NOT EXISTS results (seq INTEGER PRIMARY KEY, started_at REAL NOT NULL, json TEXT NOT NULL);' +
          'CREATE INDEX IF NOT EXISTS results_by_time ON results (started_at);',
      );
      db.exec('COMMIT');
      return new AgentBuffer(db, path, options);
    } catch (error) {
      db.close();
      const message = error instanceof Error ? error.message : String(error);
      if (/locked|busy/i.test(message)) {
        throw new Error(`${path} is in use by another agent (one agent per data directory)`, { cause: error });
      }
      throw error;
    }
  }

  /** Numbers a result and keeps it in memory until the next flush. Returns its sequence number. */
  add(result: WireResult, json = JSON.stringify(result)): number {
    const seq = this.nextSeq++;
    this.pending.push({ seq, startedAt: result.startedAt, json, result });
    if (this.pending.length > this.maxCount) {
      this.pending.shift();
      this.droppedCount++;
    }
    return seq;
  }

  /**
   * Writes what is waiting, with the next sequence number, in one transaction (durable when it
   * reserves more numbers, or on close), then applies the bounds. Returns the results dropped by
   * them. Throws when the disk refuses (the results stay waiting in memory, bounded).
   */
  flush(closing = false): number {
    if (this.closed) return 0;
    const batch = this.pending;
    const cutoff = this.now() - this.maxAgeMs;
    let dropped = 0;
    const reserve = this.reservation(closing);
    this.transaction(() => {
      const insert = this.db.prepare('INSERT OR REPLACE INTO results (seq, started_at, json) VALUES (?, ?, ?)');
      for (const p of batch) insert.run(p.seq, p.startedAt, p.json);
      this.setMeta('next_seq', String(this.nextSeq));
      if (reserve !== null) this.setMeta('reserved_seq', String(reserve));
      dropped += Number(this.db.prepare('DELETE FROM results WHERE started_at < ?').run(cutoff).changes);
      dropped += Number(
        this.db
          .prepare('DELETE FROM results WHERE seq <= (SELECT seq FROM results ORDER BY seq DESC LIMIT 1 OFFSET ?)')
          .run(this.maxCount).changes,
      );
    }, reserve !== null);
    if (reserve !== null) this.reservedSeq = reserve;
    this.pending = [];
    this.stored += batch.length - dropped;
    this.droppedCount += dropped;
    if (dropped > 0) {
      // Which rows the bounds took is the file's to say: read from it until memory catches up.
      this.recent = [];
    } else {
      for (const p of batch) this.recent.push({ seq: p.seq, result: p.result, bytes: entryBytes(p.json) });
      if (this.recent.length > MAX_RECENT) this.recent = this.recent.slice(-MAX_RECENT);
    }
    return dropped;
  }

  /**
   * The oldest results on disk after sequence `after`, in sequence order: at most `max`, and
   * about `maxBytes` of JSON.
   */
  batch(max: number, maxBytes: number, after = 0): BufferedResult[] {
    const kept = this.batchFromMemory(max, maxBytes, after);
    if (kept) return kept;
    const out: BufferedResult[] = [];
    const corrupt: number[] = [];
    let bytes = 0;
    const rows = this.db
      .prepare('SELECT seq, json FROM results WHERE seq > ? ORDER BY seq LIMIT ?')
      .iterate(after, max);
    for (const row of rows as Iterable<{
      seq: number;
      json: string;
    }>) {
      bytes += entryBytes(row.json);
      if (out.length > 0 && bytes > maxBytes) break;
      const parsed = parseResult(row.json);
      if (parsed) out.push({ seq: row.seq, result: parsed });
      else corrupt.push(row.seq);
    }
    if (corrupt.length > 0) {
      this.recent = [];
      // A row that no longer reads as a result (a damaged file) is dropped, counted, never sent.
      this.transaction(() => {
        const del = this.db.prepare('DELETE FROM results WHERE seq = ?');
        for (const seq of corrupt) del.run(seq);
      });
      this.stored -= corrupt.length;
      this.droppedCount += corrupt.length;
    }
    return out;
  }

  /**
   * The `reserved_seq` this flush writes, or null when the reservation still covers every number
   * handed out: RESERVE_SEQ more once it does not, and on close only what was used (the rest is
   * given back, so a clean restart goes on from the next number).
   */
  private reservation(closing: boolean): number | null {
    if (closing) return this.nextSeq;
    return this.nextSeq > this.reservedSeq ? this.nextSeq + RESERVE_SEQ : null;
  }

  /**
   * batch() from `recent`, when it holds every row the file has after `after`: it holds every
   * row from its first on, so either the file has nothing older, or nothing older is wanted.
   * Null otherwise. The results are the ones written, not copies.
   */
  private batchFromMemory(max: number, maxBytes: number, after: number): BufferedResult[] | null {
    const recent = this.recent;
    if (recent.length === 0 || this.closed) return null;
    if (this.stored !== recent.length && after < recent[0]!.seq - 1) return null;
    let i = 0;
    while (i < recent.length && recent[i]!.seq <= after) i++;
    const out: BufferedResult[] = [];
    let bytes = 0;
    for (; i < recent.length && out.length < max; i++) {
      const entry = recent[i]!;
      bytes += entry.bytes;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push({ seq: entry.seq, result: entry.result });
    }
    return out;
  }

  /** The centre has `seq` and everything before it on disk: they go. Returns how many went. */
  ack(seq: number): number {
    if (this.closed || seq <= 0) return 0;
    // Not fsynced: an ack lost to a power cut only sends again what the centre has, which it
    // skips by its cursor.
    const gone = Number(this.db.prepare('DELETE FROM results WHERE seq <= ?').run(seq).changes);
    this.stored -= gone;
    let kept = 0;
    while (kept < this.recent.length && this.recent[kept]!.seq <= seq) kept++;
    if (kept > 0) this.recent = this.recent.slice(kept);
    return gone;
  }

  /** Results on disk after sequence `after` (not yet sent, or sent and not applied). */
  sizeAfter(after: number): number {
    if (this.closed) return 0;
    const row = this.db.prepare('SELECT count(*) AS n FROM results WHERE seq > ?').get(after) as { n: number };
    return Number(row.n) + this.pending.length;
  }

  /** Results waiting to be acknowledged, on disk and in memory. */
  size(): number {
    return this.stored + this.pending.length;
  }

  /** Results waiting in memory to be written. */
  unwritten(): number {
    return this.pending.length;
  }

  /** Results dropped (full buffer, too old, damaged) since the agent started. */
  dropped(): number {
    return this.droppedCount;
  }

  /** The next sequence number to hand out. */
  next(): number {
    return this.nextSeq;
  }

  /** The last assignment that was applied, or null (none yet, or unreadable). */
  loadAssignment(): Assignment | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('assignment') as
      { value: string } | undefined;
    if (!row) return null;
    try {
      const parsed = AssignmentSchema.safeParse(JSON.parse(row.value));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  saveAssignment(assignment: Assignment): void {
    this.transaction(() => this.setMeta('assignment', JSON.stringify(assignment)));
  }

  /** Writes what is waiting (best effort) and closes the file. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush(true);
    } finally {
      this.closed = true;
      this.db.close();
    }
  }

  private writeMeta(values: Record<string, string>): void {
    this.transaction(() => {
      for (const [k, v] of Object.entries(values)) this.setMeta(k, v);
    });
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  /** One write transaction; `durable`: fsynced when it returns (synchronous=FULL), with all before it. */
  private transaction(fn: () => void, durable = true): void {
    if (durable) this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // Already rolled back (a full disk does that); the original error is the one to report.
      }
      throw error;
    } finally {
      if (durable) this.db.exec('PRAGMA synchronous = NORMAL');
    }
  }
}

function parseResult(json: string): WireResult | null {
  try {
    const parsed = WireResultSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
