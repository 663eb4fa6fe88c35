import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { httpRequestTarget } from '../../../src/engine/probes/http-auth.ts';
import { httpProbe } from '../../../src/engine/probes/http-probe.ts';
import { checkFrom } from '../../support/checks.ts';
import { HttpTarget } from '../../support/http-target.ts';

interface Seen {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

describe('HTTP check credentials from the environment', () => {
  const seen: Seen[] = [];
  let target: HttpTarget;

  beforeAll(async () => {
    target = await new HttpTarget((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200);
      res.end('ok');
    }).start();
  });

  afterAll(async () => {
    await target.stop();
  });

  it('sends basic_auth, headers_env and query_env read from the environment at probe time', async () => {
    process.env.KNOCKON_TEST_PASSWORD = 'pw-from-env';
    process.env.KNOCKON_TEST_BEARER = 'Bearer tok-from-env';
    process.env.KNOCKON_TEST_APIKEY = 'key from env';
    const check = checkFrom('http', {
      url: `${target.url}/health?region=hk`,
      timeout: '2s',
      basic_auth: { username: 'noc', password_env: 'KNOCKON_TEST_PASSWORD' },
      headers_env: { 'X-Api-Token': 'KNOCKON_TEST_BEARER' },
      query_env: { apikey: 'KNOCKON_TEST_APIKEY' },
    });
    seen.length = 0;
    const result = await httpProbe(check);
    expect(result).toMatchObject({ ok: true, message: 'HTTP 200' });
    expect(seen[0]!.url).toBe('/health?region=hk&apikey=key%20from%20env');
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('noc:pw-from-env').toString('base64')}`);
    expect(seen[0]!.headers['x-api-token']).toBe('Bearer tok-from-env');

    // A rotated secret is used by the next probe, without a reload.
    process.env.KNOCKON_TEST_PASSWORD = 'rotated';
    seen.length = 0;
    await httpProbe(check);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('noc:rotated').toString('base64')}`);
  });

  it('does not probe when a referenced variable is unset: the observer’s problem, not the target’s', async () => {
    delete process.env.KNOCKON_TEST_UNSET;
    const check = checkFrom('http', {
      url: `${target.url}/health`,
      timeout: '2s',
      headers_env: { Authorization: 'KNOCKON_TEST_UNSET' },
    });
    seen.length = 0;
    const result = await httpProbe(check);
    expect(result).toMatchObject({ ok: false, errorClass: 'probe_error' });
    expect(result.message).toContain('KNOCKON_TEST_UNSET (headers_env.Authorization) is not set');
    expect(seen).toEqual([]);
  });

  it('lets an explicit Authorization header win over userinfo in the URL', () => {
    const check = checkFrom('http', {
      url: 'http://u:p@127.0.0.1:1/x',
      headers: { Authorization: 'Bearer explicit' },
    });
    const request = httpRequestTarget(check, {}, {});
    expect(request.ok && request.headers).toEqual({ Authorization: 'Bearer explicit' });
    expect(request.ok && request.url.href).toBe('http://127.0.0.1:1/x');
  });

  it('refuses configs where two sources of one credential conflict', () => {
    const issues = (check: object) => {
      const outcome = parseConfigText(JSON.stringify({ checks: [{ id: 'c', type: 'http', ...check }] }), 't.yaml');
      return outcome.ok ? [] : outcome.issues.map((i) => `${i.field}: ${i.message}`);
    };
    const auth = { username: 'noc', password_env: 'PW' };
    expect(issues({ url: 'http://u:p@h/', basic_auth: auth })).toEqual([
      'checks[0].basic_auth: basic_auth and credentials in the url conflict',
    ]);
    expect(issues({ url: 'http://h/', basic_auth: auth, headers_env: { authorization: 'T' } })).toEqual([
      'checks[0].basic_auth: basic_auth and an Authorization header conflict',
    ]);
    expect(issues({ url: 'http://h/', headers: { 'X-Key': 'a' }, headers_env: { 'x-key': 'K' } })).toEqual([
      'checks[0].headers_env.x-key: header "x-key" is also in headers',
    ]);
    expect(issues({ url: 'http://h/', query_env: { apikey: 'not a name' } })[0]).toContain(
      'expected the name of an environment variable',
    );
  });
});
