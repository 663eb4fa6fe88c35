import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedCheck } from '../../../src/engine/checks.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import type { CheckUpdate } from '../../../src/engine/engine.ts';
import { RemoteWriteModule } from '../../../src/engine/remote-write/module.ts';
import type { RemoteWriteHealth } from '../../../src/shared/model.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { HttpTarget } from '../../support/http-target.ts';

const check = { id: 'api', type: 'tcp', region: 'hk' } as ResolvedCheck;
const update = (errorClass: string | null = null) =>
  ({
    check,
    vantage: 'local',
    result: { checkId: 'api', startedAt: 1_000, ok: true, latencyMs: 3, errorClass, message: '' },
  }) as CheckUpdate;

function config(remote_write: object[]) {
  const outcome = parseConfigText(JSON.stringify({ remote_write }), 'k.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

// Nothing is sent in the first test: the fake clock never reaches the batch deadline.
const entry = (name: string, url = 'http://127.0.0.1:9/api/v1/write') => ({
  url,
  name,
  queue: { capacity: 100, max_samples_per_send: 100 },
});

let module: RemoteWriteModule;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await module?.stop();
  for (const stop of stops.splice(0)) await stop();
});

describe('remote write module', () => {
  it("keeps an unchanged entry's queue across a reload and starts a changed one afresh", () => {
    module = new RemoteWriteModule({ clock: new FakeClock(), log: () => {} });
    module.onConfig(config([entry('a'), entry('b')]), [check]);
    module.onCheckUpdate(update());
    // A TCP result: probe_success and probe_duration_seconds, in each queue.
    expect(module.health().map((h) => [h.name, h.queued])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    module.onConfig(config([entry('a'), { ...entry('b'), remote_timeout: '5s' }]), [check]);
    expect(module.health().map((h) => [h.name, h.queued])).toEqual([
      ['a', 2],
      ['b', 0],
    ]);
    module.onConfig(config([]), [check]);
    expect(module.health()).toEqual([]);
  });

  it('tells the board which queues are in trouble, on its slow timer, and when that ends', async () => {
    // A receiver that takes everything: the full queue is sent when the clock first moves.
    const receiver = await new HttpTarget((_req, res) => res.writeHead(204).end()).start();
    stops.push(() => receiver.stop());
    const clock = new FakeClock();
    const told: RemoteWriteHealth[][] = [];
    module = new RemoteWriteModule({ clock, log: () => {}, onHealth: (t) => told.push(t) });
    module.onConfig(config([entry('a', `${receiver.url}/api/v1/write`)]), [check]);
    for (let i = 0; i < 51; i++) module.onCheckUpdate(update(i % 2 ? 'connect_refused' : null));
    expect(told).toEqual([]); // nothing until the timer
    await clock.advance(2_000);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject([{ name: 'a', droppedQueueFull: 2, retrying: false, capacity: 100 }]);
    await clock.advance(2_000);
    expect(told).toHaveLength(1); // unchanged: not told again
    await clock.advance(10 * 60_000);
    expect(told.at(-1)).toEqual([]); // drops older than 10 minutes leave the board
  });
});
