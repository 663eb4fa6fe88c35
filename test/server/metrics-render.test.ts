/**
 * MetricsExporter.render on boards made here: what a check's last result becomes (the mapping
 * remote write shares, src/shared/probe-metrics.ts), and that a scrape drawn from the last
 * scrape's kept text is exactly what a fresh exporter writes.
 */
import { describe, expect, it } from 'vitest';
import { MetricsExporter } from '../../src/server/metrics.ts';
import type { BoardSnapshot, CheckView, ErrorClass } from '../../src/shared/model.ts';
import { emptyBoard } from '../support/board.ts';

const AT = 1_700_000_000_000;

function check(id: string, extra: Partial<CheckView> = {}): CheckView {
  return {
    id,
    name: id,
    type: 'http',
    target: `https://${id}.example.net/`,
    region: 'hk',
    intervalMs: 10_000,
    timeoutMs: 5_000,
    status: 'up',
    since: AT - 60_000,
    lastProbeAt: AT,
    latencyMs: 40,
    errorClass: null,
    message: 'HTTP 200',
    consecutiveFailures: 0,
    consecutiveSuccesses: 3,
    details: {
      httpStatus: 200,
      phases: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 4, transferMs: 5 },
      tls: { daysLeft: 40, notAfter: AT + 40 * 86_400_000, subject: 'CN=x', issuer: 'CN=ca', authorized: true },
    },
    ...extra,
  };
}

function boardOf(checks: CheckView[], components: BoardSnapshot['components'] = []): BoardSnapshot {
  const board = emptyBoard(AT);
  board.checks = checks;
  board.components = components;
  return board;
}

const render = (exporter: MetricsExporter, board: BoardSnapshot) =>
  exporter.render({ board, health: null, workerRestarts: 0 }).toString();

/** The sample lines of one metric name. */
const lines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('MetricsExporter', () => {
  it('exports a failed probe as probe_success 0, and the observer’s own faults not at all', () => {
    const failing = (errorClass: ErrorClass) => check(`c-${errorClass}`, { errorClass, latencyMs: null, details: {} });
    const text = render(
      new MetricsExporter(),
      boardOf([failing('connect_refused'), failing('probe_error'), failing('config_error')]),
    );
    expect(lines(text, 'probe_success')).toEqual([
      'probe_success{check="c-connect_refused",type="http",region="hk",component="",vantage="local"} 0',
    ]);
    // The check still has its status and its last real probe's time.
    expect(lines(text, 'knockon_check_status')).toHaveLength(3);
    expect(lines(text, 'knockon_check_last_probe_timestamp_seconds')).toHaveLength(3);
  });

  it('leaves out the details of a check whose last result was the observer’s fault', () => {
    const text = render(new MetricsExporter(), boardOf([check('a', { errorClass: 'probe_error' }), check('b')]));
    expect(lines(text, 'probe_http_status_code')).toEqual([
      'probe_http_status_code{check="b",type="http",region="hk",component="",vantage="local"} 200',
    ]);
    expect(lines(text, 'probe_http_duration_seconds')).toHaveLength(5);
  });

  it('leaves out what an agent reports while its own network is down', () => {
    const view = (vantage: string) => ({
      vantage,
      status: 'down' as const,
      since: AT,
      lastProbeAt: AT,
      latencyMs: 900,
      errorClass: 'connect_timeout' as const,
      message: 'timeout',
      voting: vantage === 'local',
    });
    const board = boardOf([check('a', { vantages: [view('local'), view('sg')] })]);
    board.vantages = [board.vantage, { id: 'sg', name: 'Singapore', online: false, reason: 'references down' }];
    const text = render(new MetricsExporter(), board);
    expect(lines(text, 'probe_success')).toEqual([
      'probe_success{check="a",type="http",region="hk",component="",vantage="local"} 0',
    ]);
    board.vantages[1]!.online = true;
    expect(lines(render(new MetricsExporter(), board), 'probe_success')).toHaveLength(2);
  });

  it('labels each check with the first component listing it', () => {
    const component = (id: string, checks: string[]): BoardSnapshot['components'][number] => ({
      id,
      name: id,
      kind: 'api',
      region: 'hk',
      site: null,
      status: 'up',
      since: AT,
      role: 'healthy',
      impactedBy: [],
      checks,
      dependsOn: [],
      flapping: false,
    });
    const text = render(
      new MetricsExporter(),
      boardOf([check('a')], [component('first', ['a']), component('second', ['a'])]),
    );
    expect(lines(text, 'probe_success')[0]).toContain('component="first"');
  });

  it('writes, scrape after scrape, exactly what a fresh exporter writes; an unchanged board is the same text', () => {
    const exporter = new MetricsExporter();
    const board = boardOf([check('a'), check('b'), check('c')]);
    const same = (step: string) => expect(render(exporter, board), step).toBe(render(new MetricsExporter(), board));
    same('first');
    const before = exporter.render({ board, health: null, workerRestarts: 0 });
    expect(exporter.render({ board, health: null, workerRestarts: 0 })).toBe(before);
    // As a response sending it holds it: it stays as it was through every later scrape.
    before.retain();
    const beforeText = before.toString();
    board.checks[1] = { ...board.checks[1]!, latencyMs: 41.5 };
    same('a latency');
    board.checks[0] = { ...board.checks[0]!, status: 'down', errorClass: 'http_status', latencyMs: 12 };
    same('a status');
    board.checks[2] = { ...board.checks[2]!, region: 'sg' };
    same('a label');
    board.checks.splice(1, 1);
    same('a check gone');
    board.checks.push(check('d', { latencyMs: Number.NaN }));
    same('a check added');
    board.checks.reverse();
    same('another order');
    expect(before.toString()).toBe(beforeText);
    expect(beforeText).not.toBe(render(exporter, board));
    before.release();
  });
});
