import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { installModules } from '../../../src/engine/modules.ts';
import { RpcRegistry } from '../../../src/engine/rpc.ts';
import type { Notice, ProbeResult } from '../../../src/shared/model.ts';
import type { BoardMessage } from '../../../src/shared/protocol.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const T0 = Date.parse('2026-12-05T01:00:00Z');

function config(yaml: string) {
  const outcome = parseConfigText(yaml, 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

/** An engine with its modules whose every probe is refused: the target is down throughout. */
async function downEngine(clock: FakeClock, emit: (m: BoardMessage) => void) {
  const rpc = new RpcRegistry();
  const engine = new Engine({
    clock,
    emit,
    rpc,
    probe: async (check): Promise<ProbeResult> => ({
      checkId: check.id,
      startedAt: clock.now(),
      ok: false,
      latencyMs: null,
      errorClass: 'connect_refused',
      message: 'connection refused',
    }),
  });
  const context = await installModules({ engine, rpc, dataDir: null, clock, log: () => {} });
  return { engine, context };
}

describe('engine: planned maintenance', () => {
  it('shows the covered checks in maintenance for the window, tells the modules, and announces its edges', async () => {
    const clock = new FakeClock(T0);
    const notices: Notice[] = [];
    const emit = (m: BoardMessage) => void (m.kind === 'notice' && notices.push(m.notice));
    const engine = new Engine({ clock, emit });
    const told: string[] = [];
    engine.use({
      name: 'spy',
      onQuorumChange: (c) => told.push(`${c.check.id}:${c.previous.status}>${c.state.status}`),
    });
    // Heartbeat checks probe nothing: their status waits, so the window alone moves it.
    engine.applyConfig(
      config(`regions:
  - { id: lon, name: London, lat: 51.5, lon: 0 }
checks:
  - { id: a, type: heartbeat, region: lon, token: aaaaaaaaaaaaaaaa, down_after: 1d }
  - { id: b, type: heartbeat, token: aaaaaaaaaaaaaaaa, down_after: 1d }
maintenance:
  - { id: patch, name: London patching, regions: [lon], start: "2026-12-05T02:00:00Z", end: "2026-12-05T03:00:00Z" }
`),
      'test.yaml',
    );
    const status = (id: string) => engine.snapshot().checks.find((c) => c.id === id)!.status;
    expect(status('a')).toBe('unknown');
    await clock.advance(3_600_000);
    expect(status('a')).toBe('maintenance');
    expect(status('b')).toBe('unknown');
    expect(told).toEqual(['a:unknown>maintenance']);
    expect(notices.map((n) => n.title)).toEqual(['Maintenance started: London patching']);
    expect(notices[0]!.body).toBe('1 check in maintenance until 2026-12-05 03:00 UTC; their alerts are held.');
    await clock.advance(3_600_000);
    expect(status('a')).toBe('unknown');
    expect(told).toEqual(['a:unknown>maintenance', 'a:maintenance>unknown']);
    expect(notices.map((n) => n.title)).toEqual([
      'Maintenance started: London patching',
      'Maintenance ended: London patching',
    ]);
    await engine.stop();
  });

  it('holds alerts while a check is in maintenance: its incident resolves, and none opens until the window ends', async () => {
    const clock = new FakeClock(T0);
    // The target is down throughout: only the window decides whether that is news.
    const { engine, context } = await downEngine(clock, () => {});
    engine.applyConfig(
      config(`defaults: { interval: 10s, timeout: 1s, fall: 1, rise: 1 }
checks:
  - { id: a, type: tcp, host: 127.0.0.1, port: 9 }
alerts:
  - { name: ServerDown, condition: down, on: checks, for: 0s, severity: critical }
maintenance:
  - { id: swap, checks: [a], start: "2026-12-05T01:30:00Z", end: "2026-12-05T02:30:00Z" }
`),
      'test.yaml',
    );
    const open = () => context.incidents!.list().filter((i) => i.state === 'open');
    await clock.advance(60_000);
    expect(open()).toHaveLength(1);
    await clock.advance(30 * 60_000);
    expect(engine.snapshot().checks[0]!.status).toBe('maintenance');
    expect(open()).toEqual([]);
    await clock.advance(50 * 60_000);
    expect(open()).toEqual([]);
    await clock.advance(15 * 60_000);
    expect(engine.snapshot().checks[0]!.status).toBe('down');
    expect(open()).toHaveLength(1);
    await engine.stop();
  });

  it('a reload that ends or starts a window (the board’s End now and Start) takes effect and is announced', async () => {
    const clock = new FakeClock(T0);
    const notices: Notice[] = [];
    const { engine, context } = await downEngine(clock, (m) => void (m.kind === 'notice' && notices.push(m.notice)));
    const withWindow = (window: string) =>
      config(`defaults: { interval: 10s, timeout: 1s, fall: 1, rise: 1 }
checks:
  - { id: a, type: tcp, host: 127.0.0.1, port: 9 }
alerts:
  - { name: ServerDown, condition: down, on: checks, for: 0s, severity: critical }
maintenance:
  - ${window}
`);
    // In force from the start: the first config announces nothing (a restart is not news).
    const swap = (end: string) =>
      `{ id: swap, name: Disk swap, checks: [a], start: "2026-12-05T00:30:00Z", end: "${end}" }`;
    engine.applyConfig(withWindow(swap('2026-12-05T03:00:00Z')), 'test.yaml');
    const open = () => context.incidents!.list().filter((i) => i.state === 'open');
    await clock.advance(60_000);
    expect(engine.snapshot().checks[0]!.status).toBe('maintenance');
    expect(notices).toEqual([]);
    // The same window again (another edit to the file): nothing changes, nothing is said.
    engine.applyConfig(withWindow(swap('2026-12-05T03:00:00Z')), 'test.yaml');
    expect(notices).toEqual([]);
    // End now: the window's end becomes the engine's now.
    engine.applyConfig(withWindow(swap(new Date(clock.now()).toISOString())), 'test.yaml');
    expect(engine.snapshot().checks[0]!.status).toBe('down');
    expect(open()).toHaveLength(1);
    expect(notices.map((n) => n.title)).toEqual(['Maintenance ended: Disk swap']);
    // Start from the board: a one-off window from now. The alert is held again.
    const from = new Date(clock.now()).toISOString();
    engine.applyConfig(
      withWindow(`{ id: board-1, checks: [a], start: "${from}", end: "2026-12-05T05:00:00Z" }`),
      'test.yaml',
    );
    expect(engine.snapshot().checks[0]!.status).toBe('maintenance');
    expect(open()).toEqual([]);
    expect(notices.map((n) => n.title)).toEqual(['Maintenance ended: Disk swap', 'Maintenance started: board-1']);
    // A window in force taken out of the file ends with it.
    engine.applyConfig(
      config(`defaults: { interval: 10s, timeout: 1s, fall: 1, rise: 1 }
checks:
  - { id: a, type: tcp, host: 127.0.0.1, port: 9 }
alerts:
  - { name: ServerDown, condition: down, on: checks, for: 0s, severity: critical }
`),
      'test.yaml',
    );
    expect(engine.snapshot().checks[0]!.status).toBe('down');
    expect(notices.at(-1)!.title).toBe('Maintenance ended: board-1');
    await engine.stop();
  });

  it('refuses a window naming a check, component or region the config does not define', () => {
    const outcome = parseConfigText(
      `checks:
  - { id: a, type: heartbeat, token: aaaaaaaaaaaaaaaa, down_after: 1d }
maintenance:
  - { id: w, checks: [a, nope], every: { at: "23:30", for: 2h } }
`,
      'test.yaml',
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.issues[0]).toMatchObject({ field: 'maintenance[0].checks[1]', line: 4 });
  });
});
