/**
 * The agent's buffer on a real SQLite file: bounds by count and by age (oldest first, counted),
 * a restart keeps the stream and never reuses a sequence number, one agent per directory.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_DB_FILE, AgentBuffer, RESERVE_SEQ } from '../../src/agent/buffer.ts';
import { MAX_WIRE_RESULT_CHARS, wireEntry } from '../../src/agent/wire.ts';
import type { WireResult } from '../../src/shared/agent-protocol.ts';
import type { ProbeResult } from '../../src/shared/model.ts';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

const toWire = (r: ProbeResult, observerOffline: boolean) => wireEntry(r, observerOffline)?.result ?? null;

function result(checkId: string, startedAt: number): WireResult {
  return { checkId, startedAt, ok: true, latencyMs: 3, errorClass: null, message: 'ok' };
}

let dir: string;
let now: number;
const open = (maxCount = 1_000, maxAgeMs = 24 * HOUR) =>
  AgentBuffer.open({ dataDir: join(dir, 'data'), maxCount, maxAgeMs, now: () => now });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'knockon-buffer-'));
  now = T0;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('agent buffer', () => {
  it('numbers results from 1, writes them in a batch, and returns them oldest first until acknowledged', () => {
    const buffer = open();
    expect(buffer.add(result('a', T0))).toBe(1);
    expect(buffer.add(result('b', T0 + 1))).toBe(2);
    expect(buffer.unwritten()).toBe(2);
    expect(buffer.batch(10, 1e9)).toEqual([]);
    buffer.flush();
    expect(buffer.unwritten()).toBe(0);
    expect(buffer.batch(10, 1e9)).toEqual([
      { seq: 1, result: result('a', T0) },
      { seq: 2, result: result('b', T0 + 1) },
    ]);
    expect(buffer.ack(1)).toBe(1);
    expect(buffer.batch(10, 1e9).map((r) => r.seq)).toEqual([2]);
    expect(buffer.size()).toBe(1);
    buffer.close();
  });

  it('sends from memory exactly what a restart reads back from the file', () => {
    const buffer = open();
    const made = Array.from({ length: 6 }, (_, i) => result(`c${i}`, T0 + i));
    for (const r of made.slice(0, 4)) buffer.add(r);
    buffer.flush();
    for (const r of made.slice(4)) buffer.add(r);
    buffer.flush();
    buffer.ack(2);
    const seqs = (b: ReturnType<typeof open>, max: number, bytes: number, after = 0) =>
      b.batch(max, bytes, after).map((r) => r.seq);
    const asSent = buffer.batch(100, 1e9);
    expect(asSent.map((r) => r.seq)).toEqual([3, 4, 5, 6]);
    expect(seqs(buffer, 2, 1e9)).toEqual([3, 4]);
    expect(seqs(buffer, 100, 1e9, 4)).toEqual([5, 6]);
    // The byte bound: the first result always goes, the next only while they fit.
    expect(seqs(buffer, 100, 1)).toEqual([3]);
    buffer.close();
    const reopened = open();
    expect(reopened.batch(100, 1e9)).toEqual(asSent);
    expect(seqs(reopened, 2, 1e9)).toEqual([3, 4]);
    expect(seqs(reopened, 100, 1)).toEqual([3]);
    // Memory starts empty after a restart: new results go with the old ones read back, in order.
    reopened.add(result('c6', T0 + 6));
    reopened.flush();
    expect(seqs(reopened, 100, 1e9)).toEqual([3, 4, 5, 6, 7]);
    reopened.ack(6);
    expect(reopened.batch(100, 1e9)).toEqual([{ seq: 7, result: result('c6', T0 + 6) }]);
    reopened.close();
  });

  it('holds at most maxCount results: the oldest go first, and are counted', () => {
    const buffer = open(5);
    for (let i = 0; i < 8; i++) buffer.add(result('a', T0 + i));
    buffer.flush();
    expect(buffer.batch(100, 1e9).map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(buffer.dropped()).toBe(3);
    // Over several flushes too: the bound is on disk plus waiting.
    for (let i = 0; i < 3; i++) buffer.add(result('a', T0 + 10 + i));
    buffer.flush();
    expect(buffer.batch(100, 1e9).map((r) => r.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(buffer.dropped()).toBe(6);
    expect(buffer.size()).toBe(5);
    buffer.close();
  });

  it('drops results older than maxAge, by when they were probed, at each flush', () => {
    const buffer = open(1_000, HOUR);
    buffer.add(result('a', T0 - 2 * HOUR));
    buffer.add(result('a', T0 - 30 * 60_000));
    buffer.add(result('a', T0));
    buffer.flush();
    expect(buffer.batch(100, 1e9).map((r) => r.seq)).toEqual([2, 3]);
    expect(buffer.dropped()).toBe(1);
    // Nothing new: the next flush still ages the rest out.
    now = T0 + 45 * 60_000;
    buffer.flush();
    expect(buffer.batch(100, 1e9).map((r) => r.seq)).toEqual([3]);
    expect(buffer.dropped()).toBe(2);
    buffer.close();
  });

  it('keeps its stream and next sequence number across a restart, and what was waiting', () => {
    const first = open();
    const stream = first.stream;
    expect(stream).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    for (let i = 0; i < 4; i++) first.add(result('a', T0 + i));
    first.flush();
    first.ack(2);
    first.add(result('a', T0 + 4));
    // close() writes what is waiting.
    first.close();
    const second = open();
    expect(second.stream).toBe(stream);
    expect(second.next()).toBe(6);
    expect(second.batch(100, 1e9).map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(second.add(result('a', T0 + 5))).toBe(6);
    second.close();
  });

  it('never hands out a number again once it was written, even when every result was acknowledged', () => {
    const first = open();
    for (let i = 0; i < 3; i++) first.add(result('a', T0 + i));
    first.flush();
    first.ack(3);
    first.close();
    const second = open();
    expect(second.size()).toBe(0);
    expect(second.add(result('a', T0 + 3))).toBe(4);
    second.close();
  });

  it('after a crash, goes on after the numbers it reserved: none is handed out twice, what was written stays', () => {
    // A real crash: another process writes two batches and exits without closing the buffer.
    const script = [
      `import { AgentBuffer } from ${JSON.stringify(new URL('../../src/agent/buffer.ts', import.meta.url).pathname)};`,
      `const b = AgentBuffer.open({ dataDir: ${JSON.stringify(join(dir, 'data'))}, maxCount: 1000, maxAgeMs: 1e12 });`,
      `for (let i = 0; i < 3; i++) b.add({ checkId: 'a', startedAt: ${T0} + i, ok: true, latencyMs: 3, errorClass: null, message: 'ok' });`,
      'b.flush();',
      `b.add({ checkId: 'a', startedAt: ${T0 + 3}, ok: true, latencyMs: 3, errorClass: null, message: 'ok' });`,
      'b.flush();',
      'process.exit(0);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const after = open();
    expect(after.batch(100, 1e9).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    // The first flush reserved RESERVE_SEQ numbers ahead: the stream goes on after them.
    expect(after.next()).toBe(4 + RESERVE_SEQ);
    expect(after.add(result('b', T0 + 10))).toBe(4 + RESERVE_SEQ);
    after.close();
    // A clean close gives the rest back.
    const again = open();
    expect(again.next()).toBe(5 + RESERVE_SEQ);
    again.close();
  });

  it('a wiped buffer is a new stream, so the centre does not take its results for replays', () => {
    const first = open();
    const stream = first.stream;
    first.close();
    rmSync(join(dir, 'data'), { recursive: true });
    const second = open();
    expect(second.stream).not.toBe(stream);
    second.close();
  });

  it('keeps the last assignment', () => {
    const first = open();
    expect(first.loadAssignment()).toBeNull();
    first.saveAssignment({ rev: 'r1', vantage: 'sg', config: { checks: [] } });
    first.close();
    const second = open();
    expect(second.loadAssignment()).toEqual({ rev: 'r1', vantage: 'sg', config: { checks: [] } });
    second.close();
  });

  it('limits a batch by bytes (at least one result), and drops rows that no longer read as results', () => {
    const buffer = open();
    for (let i = 0; i < 10; i++) buffer.add(result('a', T0 + i));
    buffer.flush();
    const one = Buffer.byteLength(JSON.stringify(result('a', T0))) + 32;
    expect(buffer.batch(100, 3 * one).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(buffer.batch(100, 1).map((r) => r.seq)).toEqual([1]);
    buffer.close();
    const db = new DatabaseSync(join(dir, 'data', AGENT_DB_FILE));
    db.prepare('UPDATE results SET json = ? WHERE seq = 2').run('{"checkId": 5}');
    db.close();
    const again = open();
    expect(again.batch(3, 1e9).map((r) => r.seq)).toEqual([1, 3]);
    expect(again.dropped()).toBe(1);
    expect(again.size()).toBe(9);
    again.close();
  });

  it('is private (0700 directory, 0600 file) and refuses a second agent on the same directory', () => {
    const buffer = open();
    if (process.platform !== 'win32') {
      expect(lstatSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      expect(lstatSync(join(dir, 'data', AGENT_DB_FILE)).mode & 0o777).toBe(0o600);
    }
    expect(() => open()).toThrow(/in use by another agent/);
    buffer.close();
  });
});

describe('results on the wire', () => {
  const base: ProbeResult = { checkId: 'a', startedAt: T0, ok: true, latencyMs: 3, errorClass: null, message: 'ok' };

  it('keeps what the wire knows, clips long text, and marks results of an offline observer', () => {
    const long = toWire({ ...base, message: 'x'.repeat(5_000), vantage: 'elsewhere', heartbeat: undefined }, true)!;
    expect(long.message).toHaveLength(2_000);
    expect(long.observerOffline).toBe(true);
    expect(long).not.toHaveProperty('vantage');
    expect(toWire(base, false)).not.toHaveProperty('observerOffline');
  });

  it('sends only the verdict when the details would not fit', () => {
    const answers = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(400)}${i}`);
    const dns = Array.from({ length: 10 }, () => ({
      resolver: '1.1.1.1',
      rcode: 'NOERROR',
      answers,
      ttl: 60,
      latencyMs: 2,
      errorClass: null,
      message: 'ok',
    }));
    const wire = toWire({ ...base, dns }, false)!;
    expect(wire).not.toHaveProperty('dns');
    expect(wire.message).toContain('details too large');
    expect(JSON.stringify(wire).length).toBeLessThan(MAX_WIRE_RESULT_CHARS);
    expect(toWire({ ...base, checkId: '' }, false)).toBeNull();
  });
});
