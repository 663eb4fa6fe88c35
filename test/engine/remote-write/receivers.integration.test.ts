/**
 * Remote write against real receivers (Debian's `prometheus` with its remote-write receiver,
 * and `victoria-metrics`), fed by a real engine probing a real HTTP target: the samples are
 * queried back with their labels, and the receiver is stopped mid-run and started again on the
 * same data. Every sample is accounted for (stored, or counted as dropped: nothing beyond the
 * queue's bound), and the probing never noticed (every check kept its results coming, no slot
 * skipped, no probe dropped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/engine/clock.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine, type CheckUpdate } from '../../../src/engine/engine.ts';
import { engineHealth } from '../../../src/engine/health.ts';
import { RemoteWriteModule } from '../../../src/engine/remote-write/module.ts';
import { MetricsExporter } from '../../../src/server/metrics.ts';
import type { ProbeResult } from '../../../src/shared/model.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { TSDBS, Tsdb } from '../../support/tsdb.ts';
import { waitFor } from '../../support/wait.ts';

const CHECKS = 20;
const INTERVAL_MS = 250;
const CAPACITY = 1_000;

/** What the test expects a result to become, written out independently of samples.ts. */
function expectedSamples(r: ProbeResult): number {
  if (r.errorClass === 'probe_error') return 0;
  return 1 + (r.latencyMs !== null ? 1 : 0) + (r.httpStatus !== undefined ? 1 : 0) + (r.phases ? 6 : 0);
}

let target: HttpTarget;
beforeAll(async () => {
  target = await new HttpTarget().start();
});
afterAll(async () => {
  await target?.stop();
});

for (const kind of TSDBS) {
  describe(`remote write to ${kind.name}`, () => {
    let tsdb: Tsdb | null = null;
    let engine: Engine | null = null;
    let remote: RemoteWriteModule | null = null;

    beforeAll(async () => {
      tsdb = await Tsdb.create(kind);
      if (!tsdb) {
        console.warn(
          `remote write test skipped: Debian package "${kind.binary}" is not installed (apt-get install ${kind.binary})`,
        );
        return;
      }
      await tsdb.start();
    }, 60_000);

    afterAll(async () => {
      await engine?.stop();
      await remote?.stop();
      await tsdb?.stop();
    });

    it('stores every result as the /metrics series, and loses nothing beyond the queue bound when the receiver restarts', async (ctx) => {
      if (!tsdb) return ctx.skip();
      const db = tsdb;
      const parsed = parseConfigText(
        JSON.stringify({
          defaults: { interval: `${INTERVAL_MS}ms`, timeout: '200ms', fall: 1, rise: 1 },
          regions: [{ id: 'hk', name: 'Hong Kong', lat: 22.3, lon: 114.2 }],
          checks: Array.from({ length: CHECKS }, (_, i) => ({
            id: `api-${i}`,
            type: 'http',
            url: `${target.url}/health`,
            region: 'hk',
          })),
          components: [{ id: 'hk-edge', name: 'HK edge', kind: 'load_balancer', region: 'hk', checks: ['api-0'] }],
          remote_write: [
            {
              url: db.writeUrl,
              name: kind.name,
              remote_timeout: '2s',
              queue: {
                capacity: CAPACITY,
                max_samples_per_send: 300,
                batch_send_deadline: '200ms',
                min_backoff: '50ms',
                max_backoff: '400ms',
              },
            },
          ],
        }),
        'remote-write.yaml',
      );
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));

      // The module behind a gate, so the test can stop feeding it and wait for its queue to drain.
      const module = new RemoteWriteModule({
        clock: systemClock,
        log: () => {},
        onHealth: (troubled) => engine?.setRemoteWriteHealth(troubled),
      });
      remote = module;
      let open = true;
      let produced = 0;
      let probeErrors = 0;
      const results = new Map<string, number>();
      const listeners = new Set<() => void>();
      const changes = (onChange: () => void) => {
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      };
      engine = new Engine({ clock: systemClock, emit: () => {} });
      engine.use({
        name: 'gate',
        onConfig: (config, checks) => module.onConfig(config, checks),
        onCheckUpdate: (update: CheckUpdate) => {
          if (!open) return;
          produced += expectedSamples(update.result);
          if (update.result.errorClass === 'probe_error') probeErrors++;
          results.set(update.check.id, (results.get(update.check.id) ?? 0) + 1);
          module.onCheckUpdate(update);
          for (const l of listeners) l();
        },
      });
      engine.applyConfig(parsed.config, 'remote-write.yaml');
      const health = () => module.health()[0]!;

      // The labels and values /metrics would show, read back from the receiver.
      await waitFor(changes, () => health().sent >= 2 * CAPACITY, 'samples sent before the outage');
      const series = await db.query('probe_success{check="api-0"}');
      expect(series[0]?.metric).toMatchObject({
        __name__: 'probe_success',
        check: 'api-0',
        type: 'http',
        region: 'hk',
        component: 'hk-edge',
        vantage: 'local',
      });
      expect(series[0]?.value[1]).toBe('1');
      const phases = await db.query('probe_http_duration_seconds{check="api-1"}');
      expect(phases.map((p) => p.metric.phase).sort()).toEqual(['connect', 'processing', 'resolve', 'tls', 'transfer']);
      expect(phases.find((p) => p.metric.phase === 'resolve')?.metric.component).toBeUndefined(); // no component: no label
      expect((await db.query('probe_http_status_code{check="api-2"}'))[0]?.value[1]).toBe('200');

      // The receiver goes away; probing goes on and the queue fills past its bound.
      await db.stop();
      const before = { produced, queued: health().queued, results: new Map(results) };
      const outageResults = 12;
      await waitFor(
        changes,
        () =>
          health().droppedQueueFull > 0 &&
          [...results].every(([id, n]) => n - (before.results.get(id) ?? 0) >= outageResults),
        `${outageResults} results per check with ${kind.name} away`,
        30_000,
      );
      expect(health().retrying).toBe(true);
      // The board shows it (the engine's own vantage), within the module's health period.
      const shown = await waitFor(
        changes,
        () => engine!.snapshot().vantage.remoteWrite?.find((q) => q.retrying && q.droppedQueueFull > 0),
        'the board showing the queue retrying and dropping',
      );
      expect(shown.name).toBe(kind.name);
      expect(health().failedRequests).toBeGreaterThan(0);
      expect(health().queued).toBe(CAPACITY);

      await db.start();
      // Samples made while nothing could be sent: the queue's bound applies to these.
      const producedWhileAway = await waitFor(
        changes,
        () => !health().retrying && health().lastError === null && produced - before.produced,
        `sending to ${kind.name} again`,
      );
      open = false;
      await module.drained();

      // Probing never noticed: every check kept its results coming (awaited above, counted),
      // none was dropped for want of room and none came back as the observer's own failure.
      expect(engine.schedulerStats().droppedByQueueLimit).toBe(0);
      expect(probeErrors).toBe(0);

      const h = health();
      expect(h.queued).toBe(0);
      expect(h.droppedRejected).toBe(0);
      // Every sample made was either accepted or counted as dropped...
      expect(h.sent + h.droppedQueueFull).toBe(produced);
      // ...and no more were dropped than the queue could not hold while the receiver was away.
      expect(h.droppedQueueFull).toBeLessThanOrEqual(before.queued + producedWhileAway - CAPACITY);
      // /metrics shows the same counts (through the engine's own health answer).
      const health2 = engineHealth({
        scheduler: () => engine!.schedulerStats(),
        store: () => ({ queued: 0, flushed: 0, dropped: 0, flushFailures: 0 }),
        notifications: () => [],
        remoteWrite: () => module.health(),
      });
      const text = new MetricsExporter()
        .render({ board: engine.snapshot(), health: health2, workerRestarts: 0 })
        .toString();
      expect(text).toContain(`knockon_remote_write_samples_sent_total{remote="${kind.name}"} ${h.sent}\n`);
      expect(text).toContain(
        `knockon_remote_write_samples_dropped_total{remote="${kind.name}",reason="queue_full"} ${h.droppedQueueFull}\n`,
      );
      expect(text).toContain(`knockon_remote_write_queue_samples{remote="${kind.name}"} 0\n`);
      // The receiver has exactly what it accepted.
      expect(await db.untilCount('probe_.+', (n) => n >= h.sent)).toBe(h.sent);
    }, 90_000);
  });
}
