import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandAction, MAX_OUTPUT_BYTES } from '../../../src/engine/failover/actions/command.ts';
import { adminState, haproxyAction, runtimeCommand } from '../../../src/engine/failover/actions/haproxy.ts';
import type { ActionContext } from '../../../src/engine/failover/actions/types.ts';
import { webhookAction } from '../../../src/engine/failover/actions/webhook.ts';
import { failoverActionSchema, type FailoverActionConfig } from '../../../src/shared/config/failover.ts';
import { HAPROXY_MISSING, HaproxyServer, haproxyPath } from '../../support/haproxy.ts';

const parse = <T extends FailoverActionConfig['type']>(value: { type: T } & Record<string, unknown>) =>
  failoverActionSchema.parse(value) as Extract<FailoverActionConfig, { type: T }>;

const context = (patch: Partial<ActionContext> = {}): ActionContext => ({
  policyId: 'hk-sg',
  policyName: 'HK to SG',
  direction: 'failover',
  reason: 'hk-lb down',
  primary: '192.0.2.10',
  backup: '198.51.100.20',
  value: '198.51.100.20',
  previous: '192.0.2.10',
  record: { name: 'app.example.test', type: 'A', ttlMs: 60_000 },
  env: {},
  signal: AbortSignal.timeout(5_000),
  ...patch,
});

describe('command action', () => {
  it('passes the context in environment variables and captures the output', async () => {
    const action = commandAction(
      parse({
        type: 'command',
        run: [
          '/bin/sh',
          '-c',
          'echo "$KNOCKON_PRIMARY>$KNOCKON_BACKUP $KNOCKON_RECORD $KNOCKON_REASON"; echo oops >&2',
        ],
      }),
    );
    const outcome = await action.run(context({ env: { PATH: process.env.PATH } }));
    expect(outcome).toMatchObject({
      ok: true,
      detail: { exitCode: 0, stdout: '192.0.2.10>198.51.100.20 app.example.test hk-lb down\n', stderr: 'oops\n' },
    });
  });

  it('reports a non-zero exit as a failure with its output', async () => {
    const outcome = await commandAction(parse({ type: 'command', run: ['/bin/sh', '-c', 'echo no; exit 3'] })).run(
      context(),
    );
    expect(outcome).toMatchObject({ ok: false, message: '/bin/sh exited 3', detail: { stdout: 'no\n' } });
  });

  it('kills the whole process group at the timeout', async () => {
    // The child sleeps in a grandchild: killing only the shell would leave it running.
    const controller = new AbortController();
    const action = commandAction(parse({ type: 'command', run: ['/bin/sh', '-c', 'echo started; sleep 30 & wait'] }));
    const running = action.run(context({ signal: controller.signal }));
    controller.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ ok: false, message: '/bin/sh timed out and was killed' });
  });

  it('caps captured output', async () => {
    const action = commandAction(
      parse({ type: 'command', run: ['/bin/sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" x'] }),
    );
    const outcome = await action.run(context({ env: { PATH: process.env.PATH } }));
    const stdout = String(outcome.detail?.stdout);
    expect(stdout.startsWith('x'.repeat(MAX_OUTPUT_BYTES))).toBe(true);
    expect(stdout).toContain(`[${100_000 - MAX_OUTPUT_BYTES} more bytes dropped]`);
  });

  it('fails cleanly when the program does not exist', async () => {
    const outcome = await commandAction(parse({ type: 'command', run: ['/nonexistent/knockon-script'] })).run(
      context(),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('could not start /nonexistent/knockon-script');
  });
});

describe('webhook action against a local Slack-compatible receiver', () => {
  let server: Server;
  let url = '';
  const received: { headers: IncomingMessage['headers']; body: unknown }[] = [];
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'ok' : 'invalid_token');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts a Slack message with the URL taken from the environment', async () => {
    received.length = 0;
    const outcome = await webhookAction(parse({ type: 'webhook', url_env: 'SLACK_URL' })).run(
      context({ env: { SLACK_URL: url } }),
    );
    expect(outcome).toMatchObject({ ok: true, detail: { status: 200, reply: 'ok' } });
    expect(received).toHaveLength(1);
    expect(received[0]!.body).toEqual({
      text: 'Failing over HK to SG: app.example.test A 192.0.2.10 → 198.51.100.20. Reason: hk-lb down',
    });
  });

  it('posts generic JSON with a bearer token from the environment', async () => {
    received.length = 0;
    const action = webhookAction(parse({ type: 'webhook', url_env: 'HOOK', format: 'json', token_env: 'HOOK_TOKEN' }));
    await action.run(
      context({
        direction: 'failback',
        value: '192.0.2.10',
        previous: '198.51.100.20',
        env: { HOOK: url, HOOK_TOKEN: 't0k' },
      }),
    );
    expect(received[0]!.headers.authorization).toBe('Bearer t0k');
    expect(received[0]!.body).toMatchObject({
      event: 'failback',
      from: '198.51.100.20',
      to: '192.0.2.10',
      record: { ttl: 60 },
    });
  });

  it("posts the user's own text, filled from the policy, run, record and incident", async () => {
    received.length = 0;
    const text =
      'Failover initiated to backup server {{ run.to }} ({{ policy.name }}, run {{ run.id }}, ' +
      '{{ record.name }} TTL {{ record.ttl }}s) for {{ incident.id }}: {{ incident.title }}';
    const incident = { id: 'inc-7', title: 'hk-lb down', severity: 'critical', rootCause: 'HK load balancer' };
    const slack = webhookAction(parse({ type: 'webhook', url_env: 'SLACK_URL', text }));
    await slack.run(context({ env: { SLACK_URL: url }, run: 3, incident }));
    expect(received[0]!.body).toEqual({
      text:
        'Failover initiated to backup server 198.51.100.20 (HK to SG, run 3, app.example.test TTL 60s) ' +
        'for inc-7: hk-lb down',
    });
    const json = webhookAction(parse({ type: 'webhook', url_env: 'SLACK_URL', format: 'json', text }));
    await json.run(context({ env: { SLACK_URL: url }, run: 3, incident: null }));
    expect(received[1]!.body).toMatchObject({
      incident: null,
      text: 'Failover initiated to backup server 198.51.100.20 (HK to SG, run 3, app.example.test TTL 60s) for : ',
    });
  });

  it('reports a receiver error as a failure', async () => {
    status = 403;
    const outcome = await webhookAction(parse({ type: 'webhook', url_env: 'SLACK_URL' })).run(
      context({ env: { SLACK_URL: url } }),
    );
    status = 200;
    expect(outcome).toMatchObject({
      ok: false,
      message: 'receiver answered HTTP 403',
      detail: { reply: 'invalid_token' },
    });
  });

  it('fails without sending when the URL variable is missing', async () => {
    received.length = 0;
    const outcome = await webhookAction(parse({ type: 'webhook', url_env: 'NOPE' })).run(context());
    expect(outcome).toEqual({ ok: false, message: 'environment variable NOPE is not set' });
    expect(received).toHaveLength(0);
  });
});

const haveHaproxy = haproxyPath() !== null;
if (!haveHaproxy) console.warn(HAPROXY_MISSING);

describe.skipIf(!haveHaproxy)('haproxy action against a real HAProxy', () => {
  const haproxy = new HaproxyServer([
    { name: 'hk1', address: '127.0.0.1:9' },
    { name: 'sg1', address: '127.0.0.1:10' },
  ]);
  beforeAll(async () => {
    await haproxy.start();
  });
  afterAll(async () => {
    await haproxy.stop();
  });
  const action = (patch: Record<string, unknown> = {}) =>
    haproxyAction(parse({ type: 'haproxy', socket: haproxy.socket, backend: 'apac', server: 'hk1', ...patch }));
  const stateOf = async (server: string) =>
    adminState(await runtimeCommand(haproxy.socket, 'show servers state apac', AbortSignal.timeout(2_000)), server);

  it('puts the primary server in maintenance on failover and back to ready on failback', async () => {
    expect(await stateOf('hk1')).toBe('ready');
    expect(await action().run(context())).toMatchObject({ ok: true, message: 'apac/hk1 is maint' });
    expect(await stateOf('hk1')).toBe('maint');
    expect(await stateOf('sg1')).toBe('ready');
    expect(await action().run(context({ direction: 'failback' }))).toMatchObject({
      ok: true,
      message: 'apac/hk1 is ready',
    });
    expect(await stateOf('hk1')).toBe('ready');
  });

  it('drains a server', async () => {
    expect(await action({ state: 'drain' }).run(context())).toMatchObject({ ok: true });
    expect(await stateOf('hk1')).toBe('drain');
    await action().run(context({ direction: 'failback' }));
  });

  it('reports HAProxy refusing an unknown server', async () => {
    const outcome = await action({ server: 'nope' }).run(context());
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/HAProxy refused: .*No such server/i);
  });

  it('fails cleanly when the socket does not exist', async () => {
    const outcome = await action({ socket: '/nonexistent/haproxy.sock' }).run(context());
    expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('ENOENT') });
  });
});
