import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineHost } from '../../../src/engine/host.ts';
import { consistencyProbe } from '../../../src/engine/probes/consistency-probe.ts';
import { checkFrom } from '../../support/checks.ts';
import { MEMCACHED_MISSING, MemcachedServer, memcachedPath } from '../../support/memcached.ts';
import { REDIS_MISSING, RedisServer, redisPath } from '../../support/redis.ts';
import { Changes } from '../../support/wait.ts';

const workerPath = new URL('../../../src/engine/worker.ts', import.meta.url);

const haveServers = redisPath() !== null && memcachedPath() !== null;
if (!haveServers) console.warn(redisPath() ? MEMCACHED_MISSING : REDIS_MISSING);

describe.skipIf(!haveServers)('consistency probe across real Redis and memcached nodes', () => {
  const hk = new RedisServer();
  const sg = new RedisServer();
  const edge = new MemcachedServer();
  let hkClient: Redis;
  let sgClient: Redis;
  let id = 0;
  /** A fresh check id per test: the probe remembers since when each check's nodes disagree. */
  const check = (fields: Record<string, unknown> = {}) => ({
    ...checkFrom('consistency', {
      key: 'price:sku-1',
      timeout: '2s',
      max_disagreement: '30s',
      nodes: [
        { kind: 'redis', host: '127.0.0.1', port: hk.port, name: 'hk' },
        { kind: 'redis', host: '127.0.0.1', port: sg.port, name: 'sg' },
        { kind: 'memcached', host: '127.0.0.1', port: edge.port, name: 'edge' },
      ],
      ...fields,
    }),
    id: `consistency-${++id}`,
  });
  const setAll = async (value: string) => {
    await hkClient.set('price:sku-1', value);
    await sgClient.set('price:sku-1', value);
    await edge.set('price:sku-1', value);
  };

  beforeAll(async () => {
    await Promise.all([hk.start(), sg.start(), edge.start()]);
    hkClient = hk.client();
    sgClient = sg.client();
  }, 30_000);
  afterAll(async () => {
    hkClient?.disconnect();
    sgClient?.disconnect();
    await Promise.all([hk.remove(), sg.remove(), edge.stop()]);
  });

  it('is up while every node holds the same value, reporting digests and never the value', async () => {
    await setAll('42.00 HKD');
    const result = await consistencyProbe(check());
    expect(result).toMatchObject({ ok: true, errorClass: null, message: '3 nodes agree' });
    const digests = result.replication!.nodes!.map((n) => n.digest);
    expect(new Set(digests).size).toBe(1);
    expect(JSON.stringify(result)).not.toContain('42.00');
  });

  it('is degraded while nodes drift within the bound, down (data_disagree) past it, up once they agree', async () => {
    await setAll('42.00 HKD');
    await sgClient.set('price:sku-1', '41.00 HKD');
    const c = check();
    const t0 = 1_800_000_000_000;
    const first = await consistencyProbe(c, undefined, () => t0);
    expect(first).toMatchObject({ ok: true, degraded: true, replication: { disagreeSince: t0 } });
    expect(first.message).toMatch(/hk, edge [0-9a-f]{12} \/ sg [0-9a-f]{12}/);
    const later = await consistencyProbe(c, undefined, () => t0 + 29_999);
    expect(later).toMatchObject({ ok: true, degraded: true });
    const drifted = await consistencyProbe(c, undefined, () => t0 + 30_000);
    expect(drifted).toMatchObject({ ok: false, errorClass: 'data_disagree', replication: { disagreeSince: t0 } });
    await sgClient.set('price:sku-1', '42.00 HKD');
    const healed = await consistencyProbe(c, undefined, () => t0 + 31_000);
    expect(healed).toMatchObject({ ok: true, replication: { disagreeSince: null } });
    expect(healed.degraded).toBeUndefined();
  });

  it('counts a node without the key as disagreeing, unless missing_ok', async () => {
    await setAll('42.00 HKD');
    await sgClient.del('price:sku-1');
    const strict = await consistencyProbe(check({ max_disagreement: '0ms' }));
    expect(strict).toMatchObject({ ok: false, errorClass: 'data_disagree' });
    expect(strict.message).toContain('sg missing');
    const lenient = await consistencyProbe(check({ missing_ok: true, max_disagreement: '0ms' }));
    expect(lenient.ok).toBe(true);
  });

  it('names the node it cannot read', async () => {
    const gone = new RedisServer();
    await gone.start();
    const port = gone.port;
    await gone.remove();
    const result = await consistencyProbe(
      check({
        nodes: [
          { kind: 'redis', host: '127.0.0.1', port: hk.port, name: 'hk' },
          { kind: 'redis', host: '127.0.0.1', port, name: 'tokyo' },
        ],
      }),
    );
    expect(result).toMatchObject({ ok: false, errorClass: 'connect_refused' });
    expect(result.message).toMatch(/^tokyo: /);
  });

  it('keeps the disagreement clock across an engine restart on the same data directory', async () => {
    await hkClient.set('price:sku-2', '42.00 HKD');
    await sgClient.set('price:sku-2', '41.00 HKD');
    const dir = await mkdtemp(join(tmpdir(), 'knockon-consistency-'));
    await writeFile(
      join(dir, 'knockon.yaml'),
      `checks:
  - id: prices
    type: consistency
    key: 'price:sku-2'
    interval: 200ms
    timeout: 2s
    max_disagreement: 1h
    nodes:
      - { kind: redis, name: hk, host: 127.0.0.1, port: ${hk.port} }
      - { kind: redis, name: sg, host: 127.0.0.1, port: ${sg.port} }
`,
    );
    const changes = new Changes();
    const start = async () => {
      const host = new EngineHost({ workerPath, configPath: join(dir, 'knockon.yaml'), dataDir: dir });
      host.subscribe(changes.notify);
      host.start();
      await host.ready();
      return host;
    };
    const since = (host: EngineHost, after = 0) => {
      const view = host.current()?.checks.find((c) => c.id === 'prices');
      return (view?.lastProbeAt ?? 0) > after ? view?.details?.replication?.disagreeSince : undefined;
    };
    let host = await start();
    try {
      const first = await changes.until('a disagreement seen', () => since(host));
      await host.stop();
      const restartedAt = Date.now();
      host = await start();
      // The first probe after the restart still dates the disagreement from before it.
      expect(await changes.until('a probe after the restart', () => since(host, restartedAt))).toBe(first);
    } finally {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
