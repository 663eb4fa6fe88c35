import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import { LiveBoard } from '../../src/shared/board-state.ts';
import type { ProbeResult } from '../../src/shared/model.ts';
import { boardText, boardTextFits, type BoardMessage } from '../../src/shared/protocol.ts';
import { FakeClock } from '../support/fake-clock.ts';

function config(text: object) {
  const outcome = parseConfigText(JSON.stringify(text), 'test.yaml');
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
  return outcome.config;
}

const tcp = (id: string) => ({ id, type: 'tcp', host: '127.0.0.1', port: 1, interval: '1s', timeout: '500ms' });

describe('engine deltas', () => {
  it('sends each changed check as a patch, from which a receiver rebuilds the engine view exactly', async () => {
    const clock = new FakeClock(0);
    const messages: BoardMessage[] = [];
    let failing = false;
    const engine = new Engine({
      clock,
      // Through JSON, as the SSE stream carries them.
      emit: (m) => messages.push(JSON.parse(JSON.stringify(m)) as BoardMessage),
      probe: async (check): Promise<ProbeResult> => ({
        checkId: check.id,
        startedAt: clock.now(),
        ok: !(failing && check.id === 'b'),
        latencyMs: 1 + (clock.now() % 7),
        errorClass: failing && check.id === 'b' ? 'connect_refused' : null,
        message: failing && check.id === 'b' ? 'refused' : 'ok',
        ...(check.id === 'a' ? { httpStatus: 200 } : {}),
      }),
    });
    engine.applyConfig(config({ checks: [tcp('a'), tcp('b'), tcp('c')] }), 'test.yaml');
    const live = new LiveBoard();
    const receive = () => {
      for (const m of messages.splice(0)) {
        expect(m.kind === 'snapshot' || m.seq === live.seq() + 1).toBe(true);
        live.apply(m);
      }
    };
    await clock.advance(5_000);
    failing = true;
    await clock.advance(5_000);
    receive();
    const deltas = [] as Extract<BoardMessage, { kind: 'delta' }>[];
    engine.applyConfig(config({ checks: [tcp('a'), tcp('b'), { ...tcp('c'), enabled: false }] }), 'test.yaml');
    await clock.advance(3_000);
    for (const m of messages) if (m.kind === 'delta') deltas.push(m);
    receive();
    expect(live.current()!.checks).toEqual(engine.snapshot().checks);
    expect(live.current()!.checks.find((c) => c.id === 'b')!.status).toBe('down');
    // Known checks travel as patches: no whole views, and no unchanged name or target in them.
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.every((d) => d.checks.length === 0)).toBe(true);
    const patches = deltas.flatMap((d) => d.patches);
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.some((p) => p.set && ('name' in p.set || 'target' in p.set))).toBe(false);
    expect(patches.some((p) => p.beatsAdded !== undefined)).toBe(true);
    await engine.stop();
  });

  it("keeps the board as sent: a receiver of every message has exactly the engine's boardAsSent, seq and all", async () => {
    const clock = new FakeClock(0);
    const messages: BoardMessage[] = [];
    let failing = false;
    const engine = new Engine({
      clock,
      emit: (m) => messages.push(m),
      probe: async (check): Promise<ProbeResult> => ({
        checkId: check.id,
        startedAt: clock.now(),
        ok: !(failing && check.id === 'b'),
        latencyMs: 1 + (clock.now() % 7),
        errorClass: failing && check.id === 'b' ? 'connect_refused' : null,
        message: failing && check.id === 'b' ? 'refused' : 'ok',
      }),
    });
    expect(engine.boardAsSent()).toBeNull();
    engine.applyConfig(config({ checks: [tcp('a'), tcp('b')] }), 'test.yaml');
    const live = new LiveBoard();
    const agree = () => {
      for (const m of messages.splice(0)) {
        // The envelope leads the serialised message: the host checks the text's start against it.
        const wire = boardText(m);
        expect(boardTextFits(wire)).toBe(true);
        expect(boardTextFits({ ...wire, seq: wire.seq + 1 })).toBe(false);
        live.apply(JSON.parse(wire.text) as BoardMessage);
      }
      const sent = engine.boardAsSent()!;
      expect(sent.seq).toBe(live.seq());
      expect(JSON.parse(JSON.stringify(sent.snapshot))).toEqual(live.current());
    };
    agree();
    await clock.advance(3_000);
    agree();
    failing = true;
    engine.publish({ vantage: { id: 'local', name: 'renamed', online: true, reason: null } });
    await clock.advance(4_000);
    agree();
    engine.reportConfigError([{ file: 'test.yaml', line: 1, column: 1, field: 'checks', message: 'a bad edit' }]);
    await clock.advance(1_000);
    agree();
    expect(live.current()!.config.error).not.toBeNull();
    expect(live.current()!.vantage.name).toBe('renamed');
    expect(live.current()!.checks.find((c) => c.id === 'b')!.status).toBe('down');
    await engine.stop();
  });
});
