import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatBook } from '../../src/engine/heartbeat/book.ts';
import { HeartbeatListener } from '../../src/engine/heartbeat/listener.ts';
import { checkFrom } from '../support/checks.ts';
import { FakeClock } from '../support/fake-clock.ts';

const TOKEN = 'a-long-enough-secret-token';
const c = checkFrom('heartbeat', {
  token_env: 'KNOCKON_TEST_HEARTBEAT',
  degraded_after: '500ms',
  down_after: '2s',
});

function bookAt(clock: FakeClock, env: Record<string, string | undefined> = { KNOCKON_TEST_HEARTBEAT: TOKEN }) {
  const book = new HeartbeatBook(clock, env);
  book.configure([c]);
  return book;
}

describe('heartbeat rules', () => {
  it('has no evidence before the first beat, and is down once down_after passes without one', async () => {
    const clock = new FakeClock(0);
    const book = bookAt(clock);
    expect(book.evaluate(c)).toMatchObject({ errorClass: 'probe_error', message: 'waiting for the first heartbeat' });
    await clock.advance(2_000);
    expect(book.evaluate(c)).toMatchObject({ ok: false, errorClass: 'heartbeat_missed' });
  });

  it('is up right after a beat, degraded after degraded_after, down after down_after', async () => {
    const clock = new FakeClock(0);
    const book = bookAt(clock);
    expect(book.record('c', TOKEN, { value: 42 })).toBe('recorded');
    await clock.advance(499);
    expect(book.evaluate(c)).toMatchObject({ ok: true, heartbeat: { ageMs: 499, value: 42 } });
    expect(book.evaluate(c).degraded).toBeUndefined();
    await clock.advance(1);
    expect(book.evaluate(c)).toMatchObject({ ok: true, degraded: true });
    await clock.advance(1_500);
    expect(book.evaluate(c)).toMatchObject({ ok: false, errorClass: 'heartbeat_missed' });
  });

  it('is down at once when the service reports down, with its message', () => {
    const clock = new FakeClock(0);
    const book = bookAt(clock);
    book.record('c', TOKEN, { status: 'down', message: 'order queue stuck' });
    expect(book.evaluate(c)).toMatchObject({
      ok: false,
      errorClass: 'heartbeat_reported_down',
      message: 'service reported down: order queue stuck',
    });
  });

  it('refuses a wrong token and any token when the environment variable is missing', () => {
    const clock = new FakeClock(0);
    expect(bookAt(clock).record('c', 'wrong', {})).toBe('unauthorized');
    const unset = bookAt(clock, {});
    expect(unset.record('c', '', {})).toBe('unauthorized');
    expect(unset.evaluate(c)).toMatchObject({ errorClass: 'probe_error' });
    expect(unset.evaluate(c).message).toContain('KNOCKON_TEST_HEARTBEAT is not set');
  });
});

describe('degraded-only heartbeat (no down_after)', () => {
  const soft = checkFrom('heartbeat', { token_env: 'KNOCKON_TEST_HEARTBEAT', degraded_after: '1s' });

  it('is degraded, never down, however long the silence, before and after the first beat', async () => {
    const clock = new FakeClock(0);
    const book = new HeartbeatBook(clock, { KNOCKON_TEST_HEARTBEAT: TOKEN });
    book.configure([soft]);
    expect(book.evaluate(soft)).toMatchObject({ errorClass: 'probe_error' });
    await clock.advance(1_000);
    expect(book.evaluate(soft)).toMatchObject({ ok: true, degraded: true });
    book.record('c', TOKEN, {});
    expect(book.evaluate(soft).degraded).toBeUndefined();
    await clock.advance(24 * 3_600_000);
    expect(book.evaluate(soft)).toMatchObject({ ok: true, degraded: true, errorClass: null });
  });

  it('is evaluated every quarter of degraded_after, with fall and rise 1', () => {
    expect(soft).toMatchObject({ intervalMs: 250, fall: 1, rise: 1 });
    expect(soft.down_after).toBeUndefined();
  });
});

describe('heartbeat listener', () => {
  let listener: HeartbeatListener | null = null;
  afterEach(async () => {
    await listener?.close();
    listener = null;
  });

  it('records GET and POST beats with the token in the query or as a bearer token', async () => {
    const clock = new FakeClock(0);
    const book = bookAt(clock);
    listener = new HeartbeatListener(book);
    const { port } = await listener.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${port}/heartbeat/c`;

    const get = await fetch(`${base}?token=${TOKEN}&status=up&value=7`);
    expect(get.status).toBe(200);
    expect(book.evaluate(c).heartbeat).toMatchObject({ reportedStatus: 'up', value: 7 });

    const post = await fetch(base, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'down', message: 'disk full' }),
    });
    expect(post.status).toBe(200);
    expect(book.evaluate(c)).toMatchObject({ errorClass: 'heartbeat_reported_down' });
  });

  it('answers 401 alike for a wrong token and an unknown check, and 400 for a bad status', async () => {
    const book = bookAt(new FakeClock(0));
    listener = new HeartbeatListener(book);
    const { port } = await listener.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${port}/heartbeat`;
    expect((await fetch(`${base}/c?token=nope`)).status).toBe(401);
    expect((await fetch(`${base}/other?token=${TOKEN}`)).status).toBe(401);
    expect((await fetch(`${base}/c?token=${TOKEN}&status=sideways`)).status).toBe(400);
    expect((await fetch(`${base}/c`, { method: 'DELETE' })).status).toBe(405);
    const huge = await fetch(`${base}/c?token=${TOKEN}`, { method: 'POST', body: 'x'.repeat(10_000) }).catch(
      () => null,
    );
    expect(huge === null || huge.status === 413).toBe(true);
    expect(book.evaluate(c).heartbeat?.lastBeatAt).toBeNull();
  });

  it('answers 400 to a request path no URL parser accepts, and keeps serving', async () => {
    const book = bookAt(new FakeClock(0));
    listener = new HeartbeatListener(book);
    const { port } = await listener.listen({ host: '127.0.0.1', port: 0 });
    const socket = connect(port, '127.0.0.1');
    socket.write('GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    await once(socket, 'close');
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`http://127.0.0.1:${port}/heartbeat/c?token=${TOKEN}`)).status).toBe(200);
  });
});
