/**
 * Receivers over real loopback HTTP: Slack-compatible and generic webhooks, and a local server
 * speaking PagerDuty's Events API v2 wire format (the real service cannot be reached from tests).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/engine/clock.ts';
import { postJson } from '../../../src/engine/notify/deliver.ts';
import { Notifier } from '../../../src/engine/notify/notifier.ts';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import type { IncidentEvent, IncidentView, Notice } from '../../../src/shared/model.ts';
import { pagerDutyErrors, pagerDutyReceiver, RecordingReceiver } from '../../support/receivers.ts';
import { waitFor } from '../../support/wait.ts';

const ROUTING_KEY = 'ROUTINGKEY123';
const started: RecordingReceiver[] = [];
const notifiers: Notifier[] = [];

async function receiver(r: RecordingReceiver): Promise<RecordingReceiver> {
  started.push(r);
  return r.start();
}

afterEach(async () => {
  for (const n of notifiers.splice(0)) await n.stop();
  for (const r of started.splice(0)) await r.stop();
});

const retry = { clock: systemClock, timeoutMs: 2_000, maxAttempts: 3, backoffMs: 5 };

function incident(over: Partial<IncidentView> = {}): IncidentView {
  return {
    id: 'cmp-hk-lb-abc',
    title: 'HK edge load balancer is down',
    severity: 'critical',
    state: 'open',
    rootCause: { kind: 'component', id: 'hk-lb', name: 'HK edge load balancer' },
    impacted: [{ kind: 'component', id: 'hk-api', name: 'HK orders API', region: 'hk' }],
    openedAt: Date.now(),
    detectedAt: Date.now() - 1_000,
    resolvedAt: null,
    acknowledged: null,
    events: [],
    ...over,
  };
}

function receiversFrom(yaml: string) {
  const outcome = parseConfigText(`receivers:\n${yaml}`, 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config.receivers;
}

function notifier(env: Record<string, string>) {
  const events: { id: string; event: IncidentEvent }[] = [];
  const notices: Notice[] = [];
  const listeners = new Set<() => void>();
  const n = new Notifier({
    clock: systemClock,
    env,
    showNotice: (notice) => notices.push(notice),
    record: (id, event) => {
      events.push({ id, event });
      for (const l of listeners) l();
    },
    log: () => {},
  });
  notifiers.push(n);
  const until = (what: string, test: () => boolean) =>
    waitFor(
      (cb) => {
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
      test,
      what,
    );
  return { n, events, notices, until };
}

const noWait = { groupWaitMs: 0, groupIntervalMs: 0, repeatIntervalMs: 3_600_000 };

describe('delivery', () => {
  it('retries a failing receiver with back-off and succeeds when it recovers', async () => {
    let calls = 0;
    const flaky = await receiver(
      new RecordingReceiver((_req, res) => {
        res.writeHead(++calls < 3 ? 503 : 200);
        res.end();
      }),
    );
    const outcome = await postJson(`${flaky.url}/hook`, { text: 'hi' }, retry);
    expect(outcome).toEqual({ ok: true, attempts: 3, status: 200, error: null });
    expect(flaky.requests).toHaveLength(3);
  });

  it('gives up after the bounded number of attempts, and does not retry a request the receiver refuses', async () => {
    const down = await receiver(
      new RecordingReceiver((_req, res) => {
        res.writeHead(500);
        res.end('boom');
      }),
    );
    expect(await postJson(down.url, {}, retry)).toMatchObject({ ok: false, attempts: 3, status: 500 });
    const refusing = await receiver(
      new RecordingReceiver((_req, res) => {
        res.writeHead(400);
        res.end('bad');
      }),
    );
    expect(await postJson(refusing.url, {}, retry)).toMatchObject({
      ok: false,
      attempts: 1,
      status: 400,
      error: 'HTTP 400: bad',
    });
  });

  it('times out every attempt against a receiver that never answers', async () => {
    const silent = await receiver(new RecordingReceiver(() => {}));
    const outcome = await postJson(silent.url, {}, { ...retry, timeoutMs: 100, maxAttempts: 2 });
    expect(outcome).toMatchObject({ ok: false, attempts: 2, status: null });
    expect(silent.requests).toHaveLength(2);
  });
});

describe('receivers', () => {
  it('sends PagerDuty Events v2 trigger, acknowledge and resolve with the incident id as dedup key', async () => {
    const pd = await receiver(pagerDutyReceiver(ROUTING_KEY));
    const { n, events, until } = notifier({ PD_KEY: ROUTING_KEY });
    n.configure(
      receiversFrom(`  - { id: pager, type: pagerduty, routing_key_env: PD_KEY, url: ${pd.url}/v2/enqueue }`),
      noWait,
    );
    const open = incident();
    n.update([open]);
    await until('trigger sent', () => events.length === 1);
    n.acknowledged({ ...open, acknowledged: { by: 'ana', note: '', at: Date.now() } });
    await until('acknowledge sent', () => events.length === 2);
    n.update([{ ...open, state: 'resolved', resolvedAt: Date.now() }]);
    await until('resolve sent', () => events.length === 3);

    expect(pd.requests.map((r) => pagerDutyErrors(r, ROUTING_KEY))).toEqual([[], [], []]);
    expect(pd.requests.map((r) => (r.body as { event_action: string }).event_action)).toEqual([
      'trigger',
      'acknowledge',
      'resolve',
    ]);
    expect(pd.requests.every((r) => (r.body as { dedup_key: string }).dedup_key === open.id)).toBe(true);
    expect(pd.requests[0]!.body).toMatchObject({
      payload: { summary: '[FIRING:critical] HK edge load balancer is down', source: 'hk-lb', severity: 'critical' },
    });
    expect(events.map((e) => e.event.data)).toEqual([
      expect.objectContaining({ receiver: 'pager', action: 'firing', outcome: 'sent', status: 202, attempts: 1 }),
      expect.objectContaining({ action: 'acknowledged', outcome: 'sent' }),
      expect.objectContaining({ action: 'resolved', outcome: 'sent' }),
    ]);
  });

  it('sends Slack-compatible {text, blocks} and the generic JSON document, secrets read from the environment', async () => {
    const slack = await receiver(new RecordingReceiver());
    const hook = await receiver(new RecordingReceiver());
    const { n, events, notices, until } = notifier({ SLACK_URL: `${slack.url}/services/T/B/X` });
    n.configure(
      receiversFrom(`  - { id: chat, type: slack, url_env: SLACK_URL }
  - { id: hook, type: webhook, url: ${hook.url}/incidents }
  - { id: wall, type: desktop }`),
      noWait,
    );
    n.update([incident()]);
    await until('three sends', () => events.length === 3);
    expect(slack.requests[0]).toMatchObject({ path: '/services/T/B/X', contentType: 'application/json' });
    const body = slack.requests[0]!.body as { text: string; blocks: unknown[] };
    expect(body.text).toContain('HK edge load balancer is down');
    expect(body.text).toContain('HK orders API');
    expect(body.blocks.length).toBeGreaterThan(0);
    expect(hook.requests[0]!.body).toMatchObject({
      version: 1,
      status: 'firing',
      incident: { id: 'cmp-hk-lb-abc', rootCause: { id: 'hk-lb' } },
    });
    expect(notices).toEqual([
      expect.objectContaining({
        incidentId: 'cmp-hk-lb-abc',
        severity: 'critical',
        title: expect.stringContaining('FIRING'),
      }),
    ]);
  });

  it("carries the alert rules' rendered descriptions to Slack, webhooks, PagerDuty and the desktop", async () => {
    const slack = await receiver(new RecordingReceiver());
    const hook = await receiver(new RecordingReceiver());
    const pd = await receiver(pagerDutyReceiver(ROUTING_KEY));
    const { n, events, notices, until } = notifier({ SLACK_URL: `${slack.url}/s`, PD_KEY: ROUTING_KEY });
    n.configure(
      receiversFrom(`  - { id: chat, type: slack, url_env: SLACK_URL }
  - { id: hook, type: webhook, url: ${hook.url}/incidents }
  - { id: pager, type: pagerduty, routing_key_env: PD_KEY, url: ${pd.url}/v2/enqueue }
  - { id: wall, type: desktop }`),
      noWait,
    );
    // As the incident book writes a firing event: the rule's annotations already rendered.
    const description = 'HK edge load balancer (hk) stopped answering: traffic should move to Singapore';
    const firing = (annotations: Record<string, string>): IncidentEvent => ({
      at: Date.now(),
      kind: 'firing',
      message: 'ServerDown firing',
      data: { alert: 'ServerDown', subject: { kind: 'component', id: 'hk-lb' }, severity: 'critical', annotations },
    });
    n.update([incident({ events: [firing({ description: 'older words' }), firing({ description, runbook: 'r1' })] })]);
    await until('four sends', () => events.length === 4);
    const note = { alert: 'ServerDown', subject: 'hk-lb', annotations: { description, runbook: 'r1' } };
    const slackBody = slack.requests[0]!.body as { text: string; blocks: { text?: { text: string } }[] };
    expect(slackBody.text.endsWith(`HK orders API ${description}`)).toBe(true);
    expect(slackBody.blocks.map((b) => b.text?.text)).toContain(description);
    expect(hook.requests[0]!.body).toMatchObject({ alerts: [note] });
    expect(pd.requests[0]!.body).toMatchObject({ payload: { custom_details: { alerts: [note] } } });
    expect(pagerDutyErrors(pd.requests[0]!, ROUTING_KEY)).toEqual([]);
    expect(notices[0]!.body).toContain(description);
  });

  it('records a failed send when a secret is missing from the environment, without sending anything', async () => {
    const { n, events, until } = notifier({});
    n.configure(receiversFrom(`  - { id: chat, type: slack, url_env: NOT_SET_ANYWHERE }`), noWait);
    n.update([incident()]);
    await until('outcome recorded', () => events.length === 1);
    expect(events[0]!.event).toMatchObject({
      kind: 'notification',
      data: { outcome: 'failed', error: 'environment variable NOT_SET_ANYWHERE is not set' },
    });
  });
});

describe('notification state across a restart', () => {
  it('neither repeats the firing message nor forgets the resolved one after a restart', async () => {
    let saved: unknown = null;
    const persist = {
      save: (groups: unknown) => void (saved = structuredClone(groups)),
      load: () => saved as never,
    };
    const make = () => {
      const notices: Notice[] = [];
      const events: IncidentEvent[] = [];
      const n = new Notifier({
        clock: systemClock,
        env: {},
        showNotice: (notice) => notices.push(notice),
        record: (_id, event) => events.push(event),
        log: () => {},
        persist,
      });
      notifiers.push(n);
      n.configure(receiversFrom('  - { id: wall, type: desktop }'), noWait);
      return { n, notices };
    };
    const first = make();
    const open = incident();
    first.n.update([open]);
    expect(first.notices.map((x) => x.title)).toEqual([expect.stringContaining('FIRING')]);
    await first.n.stop();

    const second = make();
    second.n.update([open]);
    expect(second.notices).toEqual([]);
    second.n.update([{ ...open, state: 'resolved', resolvedAt: Date.now() }]);
    expect(second.notices.map((x) => x.title)).toEqual([expect.stringContaining('RESOLVED')]);
  });
});
