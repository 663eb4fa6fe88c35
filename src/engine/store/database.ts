import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { migrate } from './migrations.ts';

export const DB_FILE = 'knockon.db';

/**
 * This machine's vantage as the database keeps it: renaming the local vantage in the config
 * never splits a check's history. A remote vantage is kept by its id.
 */
export const LOCAL_VANTAGE = '';

/** A (check, vantage) the database knows: its integer key and the vantage ('' = this machine). */
export interface CheckKey {
  key: number;
  vantage: string;
}

/**
 * The SQLite connection with what every part of the store needs: cached statements, each
 * (check, vantage) mapped to a small integer key, and transactions in two strengths.
 *
 * Durability: the file is in WAL mode. Result batches commit with synchronous=NORMAL: a
 * commit is in the WAL (the OS has it) when it returns, so a killed process loses nothing
 * committed; only a power cut can lose the last batches, which are samples. Incidents, their
 * events, acknowledgements, the failover audit and module state commit with synchronous=FULL
 * (the WAL is fsynced before the call returns), so they survive a power cut too. They are rare,
 * so the fsync costs nothing that matters.
 */
/**
 * History holds targets, incident notes and failover audit: readable by this user only. SQLite
 * gives its -wal and -shm files the database file's own mode, so creating that file 0600 first
 * covers all three; an existing file keeps its contents and loses other users' access.
 */
function createPrivately(dataDir: string, path: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export class StoreDatabase {
  readonly db: DatabaseSync;
  readonly path: string;
  private readonly statements = new Map<string, StatementSync>();
  /** vantage → check id → key; this machine's map is kept at hand for the common case. */
  private readonly keys = new Map<string, Map<string, number>>();
  private localKeys = new Map<string, number>();
  /** check id → its keys of every vantage (keysOf), dropped when the check gets a new one. */
  private checkKeys = new Map<string, CheckKey[]>();
  private inTransaction = false;

  /** `say`: where an upgrade of an existing file is said (migrate). */
  constructor(dataDir: string | null, say?: (message: string) => void) {
    this.path = dataDir === null ? ':memory:' : join(dataDir, DB_FILE);
    if (dataDir !== null) createPrivately(dataDir, this.path);
    this.db = new DatabaseSync(this.path);
    try {
      // Another process holding the write lock makes a write fail fast rather than stall probes.
      this.db.exec('PRAGMA busy_timeout = 250');
      // Before WAL mode is set: a file from a newer Knockon is refused without a byte changed.
      migrate(this.db, say);
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec('PRAGMA synchronous = NORMAL');
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.keys.set(LOCAL_VANTAGE, this.localKeys);
  }

  stmt(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  /** Rows as arrays of column values, in the SELECT's order: cheaper than objects for big reads. */
  arrays(sql: string, ...params: SQLInputValue[]): unknown[][] {
    const key = `arrays:${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql);
      statement.setReturnArrays(true);
      this.statements.set(key, statement);
    }
    return statement.all(...params) as unknown as unknown[][];
  }

  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.stmt(sql).run(...params).changes);
  }

  /**
   * The integer key of a check as seen from one vantage ('' = this machine); created on first
   * write, undefined on reads of an unknown one.
   */
  keyOf(checkId: string, vantage: string, create: true): number;
  keyOf(checkId: string, vantage: string, create?: false): number | undefined;
  keyOf(checkId: string, vantage: string, create = false): number | undefined {
    let byId = vantage === LOCAL_VANTAGE ? this.localKeys : this.keys.get(vantage);
    const cached = byId?.get(checkId);
    if (cached !== undefined) return cached;
    let row = this.get<{ key: number }>('SELECT key FROM checks WHERE id = ? AND vantage = ?', checkId, vantage);
    if (!row && create) {
      row = this.get<{ key: number }>('INSERT INTO checks (id, vantage) VALUES (?, ?) RETURNING key', checkId, vantage);
      this.checkKeys.delete(checkId);
    }
    if (!row) return undefined;
    if (!byId) this.keys.set(vantage, (byId = new Map()));
    byId.set(checkId, row.key);
    return row.key;
  }

  /** Every vantage a check has results from, with its key, this machine's first. */
  keysOf(checkId: string): readonly CheckKey[] {
    let keys = this.checkKeys.get(checkId);
    if (!keys) {
      keys = this.all<CheckKey>('SELECT key, vantage FROM checks WHERE id = ? ORDER BY vantage', checkId);
      this.checkKeys.set(checkId, keys);
    }
    return keys;
  }

  /** Runs `fn` in one write transaction; nothing of it is kept if it throws. */
  transaction<T>(fn: () => T): T {
    if (this.inTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    this.inTransaction = true;
    try {
      const value = fn();
      this.db.exec('COMMIT');
      return value;
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // SQLite may already have rolled back (disk full does); the original error is what matters.
      }
      // Keys created inside the rolled-back transaction no longer exist.
      this.keys.clear();
      this.localKeys = new Map();
      this.keys.set(LOCAL_VANTAGE, this.localKeys);
      this.checkKeys.clear();
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  /** A transaction that is on disk (fsynced) when it returns: see the class comment. */
  durableTransaction<T>(fn: () => T): T {
    if (this.inTransaction) return fn();
    this.db.exec('PRAGMA synchronous = FULL');
    try {
      return this.transaction(fn);
    } finally {
      this.db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  /** Moves the WAL into the main file and truncates it (on close, and before measuring size). */
  checkpoint(): void {
    this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
