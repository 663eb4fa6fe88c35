/**
 * A child process for the crash-safety test: writes results through the history store's real
 * batched path as fast as it can, and an incident after every committed batch, and says so on
 * stdout only once each write has returned:
 *   flushed <total results committed>   (results are numbered 0, 1, 2, … in startedAt)
 *   incident <id>                        (header and one event saved)
 *   writing <n>                          (a batch's transaction is about to begin)
 * Usage: node test/support/store-writer.ts <dataDir>
 */
import { systemClock } from '../../src/engine/clock.ts';
import { HistoryStore } from '../../src/engine/store/index.ts';

/** Result i starts at BASE_TIME + i (the crash test reads them back by this). */
const BASE_TIME = 1_700_000_000_000;
// Big batches written back to back: the process spends most of its time inside a transaction.
const PER_BATCH = 20_000;
// Bounded: the test kills the process long before, but it must never run for ever.
const MAX_RESULTS = 2_000_000;

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: store-writer.ts <dataDir>');

/** Says when a transaction begins (stdout is synchronous on a pipe), so the test can kill inside it. */
class AnnouncingStore extends HistoryStore {
  override flush(): number {
    if (this.stats().queued > 0) process.stdout.write(`writing ${this.stats().queued}\n`);
    const started = performance.now();
    const n = super.flush();
    if (process.env.WRITER_TIMING)
      process.stderr.write(`flush ${n} took ${(performance.now() - started).toFixed(1)} ms\n`);
    return n;
  }
}

let next = 0;
let incidents = 0;
const store: HistoryStore = new AnnouncingStore({
  dataDir,
  clock: systemClock,
  flushIntervalMs: 1,
  maintenanceIntervalMs: 3_600_000,
  onFlush: (_count, total) => {
    process.stdout.write(`flushed ${total}\n`);
    const id = `inc-${++incidents}`;
    const at = BASE_TIME + total;
    store.saveIncident({
      id,
      title: `incident ${id}`,
      severity: 'critical',
      state: 'open',
      rootCause: { kind: 'check', id: 'hk-lb', name: 'hk-lb' },
      impacted: [],
      openedAt: at,
      detectedAt: at,
      resolvedAt: null,
      acknowledged: null,
      events: [],
    });
    store.appendIncidentEvent(id, { at, kind: 'detected', message: `detected ${id}` });
    process.stdout.write(`incident ${id}\n`);
    produce();
  },
});

/** One batch per flush: the queue never overflows, so committed results are exactly 0..total-1. */
function produce(): void {
  if (next >= MAX_RESULTS) {
    store.close();
    process.exit(0);
  }
  for (let i = 0; i < PER_BATCH; i++, next++) {
    store.record({
      checkId: `check-${next % 50}`,
      startedAt: BASE_TIME + next,
      ok: next % 7 !== 0,
      latencyMs: next % 7 !== 0 ? (next % 300) + 0.5 : null,
      errorClass: next % 7 !== 0 ? null : 'connect_refused',
      message: next % 7 !== 0 ? 'HTTP 200' : 'connection refused',
      phases: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 4, transferMs: 5 },
    });
  }
}

produce();
