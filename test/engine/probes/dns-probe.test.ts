import type { Answer } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { dnsProbe, parseResolver } from '../../../src/engine/probes/dns-probe.ts';
import { checkFrom } from '../../support/checks.ts';
import { aRecords, DnsServer, type DnsBehaviour } from '../../support/dns-server.ts';

const servers: DnsServer[] = [];
const serve = async (behaviour: DnsBehaviour) => {
  const server = await new DnsServer(behaviour).start();
  servers.push(server);
  return server;
};
const dns = (resolvers: string[], fields: Record<string, unknown> = {}) =>
  checkFrom('dns', { query_name: 'api.example.net', resolvers, timeout: '300ms', ...fields });

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('DNS probe', () => {
  it('asks every resolver separately and reports each one’s answers, TTL and rcode', async () => {
    const hk = await serve({ kind: 'answer', answers: aRecords(['203.0.113.10'], 300) });
    const sg = await serve({ kind: 'answer', answers: aRecords(['203.0.113.20', '203.0.113.21'], 30) });
    const result = await dnsProbe(dns([hk.address, sg.address]));
    expect(result.ok).toBe(true);
    expect(hk.queries).toBe(1);
    expect(sg.queries).toBe(1);
    expect(result.dns).toEqual([
      expect.objectContaining({ resolver: hk.address, rcode: 'NOERROR', answers: ['203.0.113.10'], ttl: 300 }),
      expect.objectContaining({
        resolver: sg.address,
        rcode: 'NOERROR',
        answers: ['203.0.113.20', '203.0.113.21'],
        ttl: 30,
      }),
    ]);
  });

  it('sees propagation: dns_disagree names the resolver still answering the old address', async () => {
    const fresh = await serve({ kind: 'answer', answers: aRecords(['203.0.113.20']) });
    const stale = await serve({ kind: 'answer', answers: aRecords(['203.0.113.10'], 120) });
    const result = await dnsProbe(dns([fresh.address, stale.address], { expect: { agree: true } }));
    expect(result).toMatchObject({ ok: false, errorClass: 'dns_disagree' });
    expect(result.message).toContain(`${stale.address} answered 203.0.113.10`);
    expect(result.dns![1]).toMatchObject({ answers: ['203.0.113.10'], ttl: 120 });
  });

  it('fails with dns_mismatch when the answers are not the expected ones', async () => {
    const server = await serve({ kind: 'answer', answers: aRecords(['203.0.113.10']) });
    const exact = await dnsProbe(dns([server.address], { expect: { answers: ['203.0.113.20'] } }));
    expect(exact).toMatchObject({ ok: false, errorClass: 'dns_mismatch' });
    const contains = await dnsProbe(dns([server.address], { expect: { contains: ['203.0.113.10'] } }));
    expect(contains.ok).toBe(true);
  });

  it('tells NXDOMAIN, SERVFAIL and REFUSED apart', async () => {
    for (const [rcode, errorClass] of [
      ['NXDOMAIN', 'dns_nxdomain'],
      ['SERVFAIL', 'dns_servfail'],
      ['REFUSED', 'dns_refused'],
    ] as const) {
      const server = await serve({ kind: 'answer', rcode, answers: () => [] });
      const result = await dnsProbe(dns([server.address]));
      expect(result).toMatchObject({ ok: false, errorClass });
      expect(result.dns![0]!.rcode).toBe(rcode);
    }
  });

  it('accepts NXDOMAIN when that is the expected rcode', async () => {
    const server = await serve({ kind: 'answer', rcode: 'NXDOMAIN', answers: () => [] });
    expect((await dnsProbe(dns([server.address], { expect: { rcode: 'NXDOMAIN' } }))).ok).toBe(true);
  });

  it('classifies a resolver that never answers as dns_timeout while another one answers', async () => {
    const silent = await serve({ kind: 'silent' });
    const good = await serve({ kind: 'answer', answers: aRecords(['203.0.113.10']) });
    const result = await dnsProbe(dns([good.address, silent.address]));
    expect(result).toMatchObject({ ok: false, errorClass: 'dns_timeout' });
    expect(result.dns![0]!.errorClass).toBeNull();
    expect(result.dns![1]!.errorClass).toBe('dns_timeout');
  });

  it('asks once more halfway through the timeout when the first datagram is lost', async () => {
    const server = await serve({ kind: 'drop-first', answers: aRecords(['203.0.113.10']) });
    const result = await dnsProbe(dns([server.address]));
    expect(result.ok).toBe(true);
    expect(server.queries).toBe(2);
  });

  it('classifies a garbage reply as dns_error', async () => {
    const server = await serve({ kind: 'garbage' });
    expect(await dnsProbe(dns([server.address]))).toMatchObject({ ok: false, errorClass: 'dns_error' });
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    const server = await serve({ kind: 'truncated', answers: aRecords(['203.0.113.99']) });
    const result = await dnsProbe(dns([server.address]));
    expect(result.ok).toBe(true);
    expect(result.dns![0]!.answers).toEqual(['203.0.113.99']);
  });

  it('normalises MX, TXT, SRV and AAAA answers to comparable text', async () => {
    const records: Record<string, Answer[]> = {
      MX: [{ type: 'MX', name: 'x', ttl: 60, data: { preference: 10, exchange: 'Mail.Example.net.' } }],
      TXT: [{ type: 'TXT', name: 'x', ttl: 60, data: ['v=spf1 ', '-all'] }],
      SRV: [
        { type: 'SRV', name: 'x', ttl: 60, data: { priority: 0, weight: 5, port: 5060, target: 'sip.example.net' } },
      ],
      AAAA: [{ type: 'AAAA', name: 'x', ttl: 60, data: '2001:db8:0:0:0:0:0:1' }],
    };
    const server = await serve({ kind: 'answer', answers: (q) => records[q.type] ?? [] });
    const expected: Record<string, string> = {
      MX: '10 mail.example.net',
      TXT: 'v=spf1 -all',
      SRV: '0 5 5060 sip.example.net',
      AAAA: '2001:DB8::1',
    };
    for (const [type, value] of Object.entries(expected)) {
      const result = await dnsProbe(dns([server.address], { record_type: type, expect: { answers: [value] } }));
      expect(result.ok, `${type}: ${result.message}`).toBe(true);
    }
  });

  it('parses resolver addresses with and without ports', () => {
    expect(parseResolver('192.0.2.53')).toEqual({ host: '192.0.2.53', port: 53 });
    expect(parseResolver('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseResolver('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
    expect(parseResolver('2001:db8::53')).toEqual({ host: '2001:db8::53', port: 53 });
  });
});

describe('DNS probe against a closed port', () => {
  it('says connect_refused when nothing listens on the resolver port', async () => {
    const server = await new DnsServer({ kind: 'silent' }).start();
    const address = server.address;
    await server.stop();
    const result = await dnsProbe(dns([address]));
    expect(result).toMatchObject({ ok: false, errorClass: 'connect_refused' });
  });
});
