import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { startDemoLab } from '../../src/demo/lab.ts';

const dir = new URL('../../resources/examples/', import.meta.url);

describe('shipped configurations', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    it(`example ${file} is valid`, () => {
      const outcome = parseConfigText(readFileSync(new URL(file, dir), 'utf8'), file);
      expect(outcome.ok ? [] : outcome.issues).toEqual([]);
    });
  }

  it('the built-in demo config is valid and covers Hong Kong and Singapore', async () => {
    const lab = await startDemoLab({ outageEveryMs: 0 });
    try {
      const outcome = parseConfigText(lab.configText, 'demo');
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.config.regions.map((r) => r.id)).toEqual(expect.arrayContaining(['hk', 'sg']));
      // The outage must have a root cause to show: the HK load balancer, with dependents across regions.
      const tokyo = outcome.config.components.find((c) => c.id === 'tyo-quotes');
      expect(tokyo?.depends_on).toEqual(['hk-api']);
      expect(outcome.config.components.find((c) => c.id === 'hk-api')?.depends_on).toEqual(['hk-lb']);
      // The DNS check asks both of the lab's responders, so its detail shows per-resolver answers.
      const dns = outcome.config.checks.find((c) => c.type === 'dns');
      expect(dns).toMatchObject({ query_name: 'app.apac.demo', resolvers: lab.dnsResolvers });
      expect(outcome.config.components.find((c) => c.checks.includes(dns!.id))?.kind).toBe('dns_zone');
    } finally {
      await lab.stop();
    }
  });
});
