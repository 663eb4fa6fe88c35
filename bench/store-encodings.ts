/**
 * node bench/store-encodings.ts
 *
 * What each way of keeping raw results costs, in bytes per result, on the same data: 1,000
 * HTTP checks with phase timings every 10 s for one hour (bench/http-results.ts: up, degraded
 * and down mixed). One JSON line per option. The row layout is measured in a real SQLite file
 * (table and both indexes, as schema 3 kept them); the chunk layouts by their blob bytes (the
 * on-disk figure, with SQLite's pages, is bench:store's).
 */
import { deflateRawSync } from 'node:zlib';
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeResult } from '../src/shared/model.ts';
import { encodeChunk } from '../src/engine/store/chunk-codec.ts';
import { HttpResults } from './http-results.ts';

const CHECKS = 1_000;
const HOUR = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % HOUR);

const gen = new HttpResults(CHECKS);
const byCheck: ProbeResult[][] = Array.from({ length: CHECKS }, () => []);
for (let slot = T0; slot < T0 + HOUR; slot += 10_000) {
  for (let c = 0; c < CHECKS; c++) byCheck[c]!.push(gen.next(c, slot));
}
const total = CHECKS * (HOUR / 10_000);

function line(option: string, bytes: number, extra: Record<string, unknown> = {}): void {
  console.log(
    JSON.stringify({
      bench: 'store-encodings',
      option,
      bytesPerResult: Math.round((bytes / total) * 100) / 100,
      ...extra,
    }),
  );
}

function rowLayout(): number {
  const dir = mkdtempSync(join(tmpdir(), 'knockon-encodings-'));
  try {
    const db = new DatabaseSync(join(dir, 'rows.db'));
    db.exec(`CREATE TABLE results (check_key INTEGER NOT NULL, started_at INTEGER NOT NULL, ok INTEGER NOT NULL,
      latency_ms REAL, error_class TEXT, message TEXT NOT NULL, details TEXT);
      CREATE INDEX results_by_check ON results (check_key, started_at);
      CREATE INDEX results_by_time ON results (started_at);`);
    const insert = db.prepare('INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.exec('BEGIN');
    // In time order, as the engine writes them.
    for (let i = 0; i < byCheck[0]!.length; i++) {
      for (let c = 0; c < CHECKS; c++) {
        const { checkId: _c, startedAt, ok, latencyMs, errorClass, message, ...details } = byCheck[c]![i]!;
        const json = JSON.stringify(details, (k, v: unknown) =>
          typeof v === 'number' && k.endsWith('Ms') ? Math.round(v * 1_000) / 1_000 : v,
        );
        insert.run(c + 1, startedAt, ok ? 1 : 0, latencyMs, errorClass, message, json === '{}' ? null : json);
      }
    }
    db.exec('COMMIT');
    db.close();
    return statSync(join(dir, 'rows.db')).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function chunks(windows: number, encode: (results: ProbeResult[]) => Uint8Array): number {
  let bytes = 0;
  const per = byCheck[0]!.length / windows;
  for (const results of byCheck) {
    for (let w = 0; w < windows; w++) bytes += encode(results.slice(w * per, (w + 1) * per)).length;
  }
  return bytes;
}

line('row per result (schema 3: columns + details JSON, 2 indexes)', rowLayout());
line(
  'rows as JSON, deflate-raw per 1 h chunk',
  chunks(1, (r) => deflateRawSync(JSON.stringify(r))),
);
line(
  'columnar 10 µs, no deflate, 1 h chunk',
  chunks(1, (r) => encodeChunk(r, { deflate: false })),
);
line(
  'columnar 10 µs + deflate-raw, 1 h chunk',
  chunks(1, (r) => encodeChunk(r)),
);
line(
  'columnar 10 µs + deflate-raw, 15 min chunk',
  chunks(4, (r) => encodeChunk(r)),
);
line(
  'columnar 1 µs + deflate-raw, 1 h chunk',
  chunks(1, (r) => encodeChunk(r, { quantum: 1_000 })),
);
line(
  'columnar 100 µs + deflate-raw, 1 h chunk',
  chunks(1, (r) => encodeChunk(r, { quantum: 10 })),
);
line(
  'columnar 1 ms + deflate-raw, 1 h chunk',
  chunks(1, (r) => encodeChunk(r, { quantum: 1 })),
);
