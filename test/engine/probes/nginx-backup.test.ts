/**
 * Header expectations and a load balancer's backup_in_use, against a real nginx (Debian's
 * package) with a primary upstream (this test's HTTP server) and a `backup` one that sets
 * X-Upstream: the board must be able to say "nginx is up but serving from the backup".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { initialView, resolveChecks, type ResolvedCheck } from '../../../src/engine/checks.ts';
import { httpProbe } from '../../../src/engine/probes/http-probe.ts';
import { Topology } from '../../../src/engine/analysis/topology.ts';
import { HttpTarget } from '../../support/http-target.ts';
import { NGINX_MISSING, NginxServer, nginxPath } from '../../support/nginx.ts';

const haveNginx = nginxPath() !== null;
if (!haveNginx) console.warn(NGINX_MISSING);

describe.skipIf(!haveNginx)('nginx with a backup upstream: header expectations and backup_in_use', () => {
  const primary = new HttpTarget((_req, res) => {
    res.writeHead(200, { 'x-upstream': 'hk-primary', 'content-type': 'text/plain' });
    res.end('served by hk-primary\n');
  });
  let nginx: NginxServer;
  let checks: Map<string, Extract<ResolvedCheck, { type: 'http' }>>;
  const topology = new Topology();

  beforeAll(async () => {
    await primary.start();
    nginx = await new NginxServer({ primary: `127.0.0.1:${primary.port}`, backupName: 'sg-backup' }).start();
    const outcome = parseConfigText(
      JSON.stringify({
        checks: [
          { id: 'edge', type: 'http', url: `${nginx.url}/`, expect: { headers: { 'X-Upstream': { present: true } } } },
          {
            id: 'edge-primary-only',
            type: 'http',
            url: `${nginx.url}/`,
            expect: { headers: { 'x-upstream': { equals: 'hk-primary' }, Server: { matches: '^nginx' } } },
          },
          {
            id: 'edge-no-debug',
            type: 'http',
            url: `${nginx.url}/`,
            expect: { headers: { 'X-Debug': { absent: true } } },
          },
        ],
        components: [
          {
            id: 'hk-nginx',
            kind: 'load_balancer',
            checks: ['edge'],
            backup_in_use: { check: 'edge', header: 'X-Upstream', equals: 'sg-backup' },
          },
        ],
      }),
      'k.yaml',
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    const resolved = resolveChecks(outcome.config) as Extract<ResolvedCheck, { type: 'http' }>[];
    checks = new Map(resolved.map((c) => [c.id, c]));
    topology.configure(outcome.config, resolved.map(initialView));
  });
  afterAll(async () => {
    await nginx?.stop();
    await primary.stop().catch(() => {});
  });

  const probe = async (id: string) => {
    const result = await httpProbe(checks.get(id)!);
    if (id === 'edge') topology.update(id, result.ok ? 'up' : 'down', result, Date.now());
    return result;
  };

  it('passes header expectations on the primary, reports only the headers asked about, and says the primary serves', async () => {
    expect(await probe('edge')).toMatchObject({ ok: true, headers: { 'x-upstream': 'hk-primary' } });
    const strict = await probe('edge-primary-only');
    expect(strict).toMatchObject({ ok: true, headers: { 'x-upstream': 'hk-primary' } });
    expect(strict.headers!.server).toMatch(/^nginx/);
    expect(Object.keys(strict.headers!).sort()).toEqual(['server', 'x-upstream']);
    expect(await probe('edge-no-debug')).toMatchObject({ ok: true, errorClass: null });
    expect(topology.componentView('hk-nginx')).toMatchObject({ status: 'up', backupInUse: null });
  });

  it('with the primary stopped, nginx answers from its backup: up, but serving from the backup', async () => {
    await primary.stop();
    const result = await probe('edge');
    expect(result).toMatchObject({ ok: true, httpStatus: 200, headers: { 'x-upstream': 'sg-backup' } });
    expect(topology.componentView('hk-nginx')).toMatchObject({
      status: 'up',
      backupInUse: { check: 'edge', header: 'X-Upstream', value: 'sg-backup' },
    });
    expect(await probe('edge-primary-only')).toMatchObject({
      ok: false,
      errorClass: 'header_mismatch',
      message: 'header x-upstream is "sg-backup", expected "hk-primary"',
    });
  });

  it('still says backup right after the primary returns: nginx keeps it out for fail_timeout', async () => {
    await primary.start();
    // nginx keeps the failed primary out for fail_timeout (30 s): still the backup right away.
    expect((await probe('edge')).headers).toEqual({ 'x-upstream': 'sg-backup' });
    expect(topology.componentView('hk-nginx')?.backupInUse).toMatchObject({ value: 'sg-backup' });
  });
});
