/** Through the Engine class: no reload, whatever it throws, stops the last good config. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/engine/config/parse.ts';
import { configReloader } from '../../../src/engine/config/reload.ts';
import { Engine } from '../../../src/engine/engine.ts';
import type { BoardMessage } from '../../../src/shared/protocol.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const tcp = (id: string) => `  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 9, interval: 1s, timeout: 500ms }\n`;

describe('config reload', () => {
  it('reports an apply that throws as a config error and puts the last good config back', async () => {
    const logs: string[] = [];
    // The host cannot take a board with check "b" (as postMessage refuses what it cannot clone).
    const emit = (message: BoardMessage) => {
      if (message.kind === 'snapshot' && message.snapshot.checks.some((c) => c.id === 'b')) {
        throw new Error('could not clone the board');
      }
    };
    const engine = new Engine({
      clock: new FakeClock(0),
      emit,
      log: () => {},
      probe: async () => new Promise(() => {}),
    });
    const accept = configReloader(engine, 'k.yaml', (level, message) => logs.push(`${level}: ${message}`));

    accept(parseConfigText(`checks:\n${tcp('a')}`, 'k.yaml'));
    expect(() => accept(parseConfigText(`checks:\n${tcp('a')}${tcp('b')}`, 'k.yaml'))).not.toThrow();

    const board = engine.snapshot();
    expect(board.checks.map((c) => c.id)).toEqual(['a']);
    expect(board.config.error?.issues).toEqual([
      {
        file: 'k.yaml',
        line: null,
        column: null,
        field: '(file)',
        message: 'could not be applied: could not clone the board',
      },
    ]);
    expect(
      logs.some((l) => l.startsWith('error: config k.yaml could not be applied: Error: could not clone the board')),
    ).toBe(true);
    expect(logs.at(-1)).toMatch(
      /^warn: config k.yaml is invalid; the last good config keeps running:\n {2}k\.yaml: \(file\): could not be applied/,
    );
    await engine.stop();
  });

  it('at first start, shows the errors on a board with no checks, then starts the checks once the file is good', async () => {
    const messages: BoardMessage[] = [];
    const logs: string[] = [];
    const engine = new Engine({
      clock: new FakeClock(0),
      emit: (m) => messages.push(m),
      probe: async () => new Promise(() => {}),
    });
    const accept = configReloader(engine, 'k.yaml', (level, message) => logs.push(`${level}: ${message}`));

    accept(parseConfigText(`checks:\n  - { id: a, type: tcp, host: 127.0.0.1, port: 99999 }\n`, 'k.yaml'));
    const first = messages.at(-1)!;
    expect(first.kind).toBe('snapshot');
    if (first.kind !== 'snapshot') return;
    expect(first.snapshot.checks).toEqual([]);
    expect(first.snapshot.config.error?.issues[0]).toMatchObject({ line: 2, field: 'checks[0].port' });
    expect(logs).toEqual([
      expect.stringMatching(
        /^warn: config k\.yaml is invalid; no checks run until it is fixed:\n {2}k\.yaml:2:\d+: checks\[0\]\.port: /,
      ),
    ]);

    accept(parseConfigText(`checks:\n${tcp('a')}`, 'k.yaml'));
    expect(engine.snapshot().checks.map((c) => c.id)).toEqual(['a']);
    expect(engine.snapshot().config.error).toBeNull();
    expect(logs.at(-1)).toBe('info: config loaded from k.yaml');
    await engine.stop();
  });
});
