import type { DatabaseSync } from 'node:sqlite';

/**
 * The database's schema, one step per version. A step runs once, in a transaction with the
 * version bump, so a kill during an upgrade leaves the previous version intact. Steps are
 * append-only: never edit one that has shipped, add the next.
 */
/**
 * Migration 1's rollup tables: minute and hour rollups have the same shape. Part of a shipped
 * migration, so as frozen as the step itself: a later change to rollups is a new step.
 */
function v1RollupTable(name: string): string {
  return `CREATE TABLE ${name} (
    check_key INTEGER NOT NULL,
    t INTEGER NOT NULL,
    count INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    lat_count INTEGER NOT NULL,
    lat_min REAL,
    lat_sum REAL,
    lat_max REAL,
    p50 REAL,
    p95 REAL,
    p99 REAL,
    PRIMARY KEY (check_key, t)
  ) WITHOUT ROWID;
  CREATE INDEX ${name}_by_time ON ${name} (t);`;
}

const MIGRATIONS: readonly string[] = [
  // 1: raw results, rollups, last state per check, incidents, failover audit, module state.
  `
  CREATE TABLE checks (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);

  -- One row per probe result. Checks are stored by integer key: it halves the bytes per row.
  CREATE TABLE results (
    check_key INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    latency_ms REAL,
    error_class TEXT,
    message TEXT NOT NULL,
    -- The result's other fields (phases, tls, dns answers, …) as JSON; null when there are none.
    details TEXT
  );
  CREATE INDEX results_by_check ON results (check_key, started_at);
  -- Rollups and pruning walk results by time across all checks.
  CREATE INDEX results_by_time ON results (started_at);

  ${v1RollupTable('rollup_minute')}

  ${v1RollupTable('rollup_hour')}

  CREATE TABLE check_states (check_id TEXT PRIMARY KEY, saved_at INTEGER NOT NULL, body TEXT NOT NULL);

  CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    opened_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    resolved_at INTEGER,
    -- The IncidentView without its events, as JSON (acknowledgement included).
    header TEXT NOT NULL
  );
  CREATE INDEX incidents_by_opened ON incidents (opened_at);
  CREATE TABLE incident_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX incident_events_by_incident ON incident_events (incident_id, seq);

  CREATE TABLE failover_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    step TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX failover_audit_by_policy ON failover_audit (policy_id, seq);

  CREATE TABLE module_state (key TEXT PRIMARY KEY, saved_at INTEGER NOT NULL, body TEXT NOT NULL);
  `,
  // 2: probe agents' tokens, made with `knockon agent-token create`. Only the token's SHA-256 is kept.
  `
  CREATE TABLE agent_tokens (
    id TEXT PRIMARY KEY,
    vantage TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER
  );
  `,
  // 3: results per (check, vantage). A check's key becomes a (check, vantage) key; the keys of
  // version 2 are kept, as this machine's (vantage ''), so no results or rollup row is touched.
  // SQLite cannot drop the old UNIQUE (id): the table is rebuilt.
  `
  CREATE TABLE checks_v3 (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    -- '' for this machine, whatever its configured vantage id; a remote vantage by its id.
    vantage TEXT NOT NULL,
    UNIQUE (id, vantage)
  );
  INSERT INTO checks_v3 (key, id, vantage) SELECT key, id, '' FROM checks;
  DROP TABLE checks;
  ALTER TABLE checks_v3 RENAME TO checks;
  `,
  // 4: raw results sealed per (check, vantage) and hour into compact chunks (chunk-codec.ts);
  // the results table keeps the open part. Rollups gain a mergeable latency sketch (null in
  // rows made before it). Existing rows are sealed by maintenance, not here: no long step.
  `
  CREATE TABLE result_chunks (
    check_key INTEGER NOT NULL,
    -- The hour the chunk covers (start, ms since the epoch).
    t INTEGER NOT NULL,
    n INTEGER NOT NULL,
    body BLOB NOT NULL
  );
  CREATE UNIQUE INDEX result_chunks_by_check ON result_chunks (check_key, t);
  CREATE INDEX result_chunks_by_time ON result_chunks (t);
  ALTER TABLE rollup_minute ADD COLUMN sketch BLOB;
  ALTER TABLE rollup_hour ADD COLUMN sketch BLOB;
  -- Availability over days sums hour rows' counts: covered by the index, never reading the
  -- histograms (the time index it replaces served pruning, which this one serves too).
  DROP INDEX rollup_hour_by_time;
  CREATE INDEX rollup_hour_counts_by_time ON rollup_hour (t, check_key, count, failures);
  `,
  // 5: users and sign-in (issue 14), tables of their own: sessions survive a restart; API tokens
  // and kiosk links are listed and revoked from the board. Secrets are kept as SHA-256 only.
  `
  CREATE TABLE auth_sessions (
    sha256 TEXT PRIMARY KEY,
    -- The actor as JSON (id, name, via, role): what the session signs requests as.
    actor TEXT NOT NULL,
    kiosk_id TEXT,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX auth_sessions_by_kiosk ON auth_sessions (kiosk_id);
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    -- The user it acts for; null for a service token.
    user_id TEXT,
    sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER
  );
  CREATE TABLE kiosk_links (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  `,
  // 6: a result is first appended to result_staged (no index: a commit writes only the pages
  // at its end) and moved, about once a minute, into the indexed table (now result_rows) in
  // check order, so each check's rows of that minute share a page of its index (staging.ts).
  // `results` becomes a view of both: every reader of the open part reads both in one
  // statement. Its `rowid` keeps the order each (check, vantage)'s rows were written in (a
  // move keeps it; staged rows, written after every moved row of their check, come after).
  // Across checks it is not the order written.
  `
  ALTER TABLE results RENAME TO result_rows;
  CREATE TABLE result_staged (
    check_key INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    latency_ms REAL,
    error_class TEXT,
    message TEXT NOT NULL,
    details TEXT
  );
  CREATE VIEW results AS
    SELECT check_key, started_at, ok, latency_ms, error_class, message, details, rowid AS rowid FROM result_rows
    UNION ALL
    SELECT check_key, started_at, ok, latency_ms, error_class, message, details, rowid + 4398046511104 FROM result_staged;
  `,
  // 7: the indexed table's rows by (minute, key, time) instead of (key, time). A minute's move
  // (staging.ts) then appends to the index's end (its rows are of the last minute or two, in key
  // order) instead of writing one leaf page per key; a reader of one key finds the minutes that
  // hold rows with a seek each (staging.ts, OPEN_MINUTES). The time index stays (rollups,
  // sealing and pruning walk by time). Builds the index over the open rows (an hour or two of
  // results, more where sealing is behind): seconds on a large centre, in this step.
  `
  DROP INDEX results_by_check;
  CREATE INDEX results_by_minute ON result_rows (CAST(started_at / 60000 AS INTEGER), check_key, started_at);
  `,
  // 8: no index of the open rows by time. Every reader by time walks the minute index instead
  // (staging.ts, TIME_RANGE). Sealing goes a range of keys at a time, and the time index holds a
  // minute's keys side by side, so each piece's delete touched nearly every page of the hour's
  // time index, and each step's commit wrote them again: 45 % of the bytes sealing an hour
  // wrote (docs/BENCHMARKS.md, "The hour rolled up as it is sealed"). Dropping an index frees
  // its pages: quick.
  `
  DROP INDEX results_by_time;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to SCHEMA_VERSION; refuses a database written by a newer Knockon. An
 * upgrade of an existing file is said before it starts and when it is done (`say`): a step
 * that rebuilds an index over a large backlog takes seconds at start-up, and the operator
 * should see why.
 */
export function migrate(db: DatabaseSync, say: (message: string) => void = () => {}): number {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  const current = row ? Number(row.value) : 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `the history database has schema version ${current}, newer than this Knockon's ${SCHEMA_VERSION}; ` +
        'upgrade Knockon or point --data-dir elsewhere',
    );
  }
  const upgrading = current > 0 && current < SCHEMA_VERSION;
  const started = performance.now();
  if (upgrading) {
    say(
      `history: upgrading the database from schema ${current} to ${SCHEMA_VERSION} (in place; a large one takes a while)`,
    );
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)").run(String(version));
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  if (upgrading)
    say(`history: database upgraded to schema ${SCHEMA_VERSION} in ${Math.round(performance.now() - started)} ms`);
  return SCHEMA_VERSION;
}
