import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DNS_ADDRESS, DEMO_DNS_NAME, startDemoLab, type DemoLab } from '../../src/demo/lab.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { dnsProbe } from '../../src/engine/probes/dns-probe.ts';
import { checkFrom } from '../support/checks.ts';

/** One real HTTP request; resolves with its latency in milliseconds. */
function timedGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('demo lab', () => {
  let lab: DemoLab;
  let sgApiUrl: string;

  beforeAll(async () => {
    lab = await startDemoLab({ outageEveryMs: 0 });
    const outcome = parseConfigText(lab.configText, 'demo');
    if (!outcome.ok) throw new Error('demo config invalid');
    const sgApi = outcome.config.checks.find((c) => c.id === 'sg-api');
    if (sgApi?.type !== 'http') throw new Error('no sg-api http check');
    sgApiUrl = sgApi.url;
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('a malformed datagram does not bring a DNS responder down', async () => {
    const [host, port] = lab.dnsResolvers[0]!.split(':');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]), Number(port), host, (e) => (e ? reject(e) : resolve())),
    );
    socket.close();
    const check = checkFrom('dns', { query_name: DEMO_DNS_NAME, resolvers: [lab.dnsResolvers[0]!], timeout: '1s' });
    expect((await dnsProbe(check)).dns?.[0]?.answers).toEqual([DEMO_DNS_ADDRESS]);
  });

  it('its two DNS responders both answer the HK primary, as the real DNS probe sees it', async () => {
    expect(lab.dnsResolvers).toHaveLength(2);
    const check = checkFrom('dns', {
      query_name: DEMO_DNS_NAME,
      resolvers: lab.dnsResolvers,
      timeout: '1s',
      expect: { answers: [DEMO_DNS_ADDRESS], agree: true },
    });
    const result = await dnsProbe(check);
    expect(result.ok).toBe(true);
    expect(result.dns).toEqual(
      lab.dnsResolvers.map((resolver) =>
        expect.objectContaining({ resolver, rcode: 'NOERROR', answers: [DEMO_DNS_ADDRESS], ttl: 30 }),
      ),
    );
  });

  it('the Singapore backup slows past its 500 ms threshold during the outage and recovers after', async () => {
    expect(await timedGet(sgApiUrl)).toBeLessThan(500);
    await lab.setOutage(true);
    const slow = await timedGet(sgApiUrl);
    expect(slow).toBeGreaterThan(500);
    expect(slow).toBeLessThan(1_000); // under the check's 1 s timeout: degraded, not down
    await lab.setOutage(false);
    expect(await timedGet(sgApiUrl)).toBeLessThan(500);
  });
});

describe('demo lab restarted on the same data directory', () => {
  it('listens on the ports it had, so its checks keep their targets (and their restored states)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'knockon-lab-ports-'));
    try {
      const portsFile = join(dir, 'data', 'demo-ports.json');
      const first = await startDemoLab({ outageEveryMs: 0, portsFile });
      const config = first.configText;
      await first.stop();
      const second = await startDemoLab({ outageEveryMs: 0, portsFile });
      await second.stop();
      expect(second.configText).toBe(config);

      // A file that is not ours is ignored: the lab still starts, on free ports.
      await writeFile(portsFile, '{"hk-lb": "eighty"}');
      const third = await startDemoLab({ outageEveryMs: 0, portsFile });
      await third.stop();
      expect(parseConfigText(third.configText, 'demo').ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
