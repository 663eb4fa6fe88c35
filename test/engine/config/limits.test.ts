/** The bounds a config file is held to, each with an error that says where. */
import { describe, expect, it } from 'vitest';
import { MAX_YAML_TOKENS, parseConfigText } from '../../../src/engine/config/parse.ts';
import { MAX_CHECKS } from '../../../src/shared/config/schema.ts';

const issuesOf = (text: string) => {
  const outcome = parseConfigText(text, 'k.yaml');
  if (outcome.ok) throw new Error('expected the config to be refused');
  return outcome.issues;
};
const TCP = '  - { id: a, type: tcp, host: 127.0.0.1, port: 9 }\n';

describe('config limits', () => {
  it('refuses a 400-day repeat interval, naming the field, its line and column', () => {
    expect(issuesOf(`checks:\n${TCP}notifications:\n  repeat_interval: 400d\n`)).toEqual([
      {
        file: 'k.yaml',
        line: 4,
        column: 20,
        field: 'notifications.repeat_interval',
        message: 'expected at most 365d, got 400d',
      },
    ]);
  });

  it('holds probe and action timeouts to an hour, but lets history be kept for years', () => {
    const issues = issuesOf(`checks:\n  - { id: a, type: tcp, host: 127.0.0.1, port: 9, interval: 1d, timeout: 2h }\n`);
    expect(issues).toEqual([
      expect.objectContaining({ field: 'checks[0].timeout', message: 'expected at most 1h, got 2h' }),
    ]);
    const years = parseConfigText(`checks:\n${TCP}history:\n  retention: { hour: 3650d }\n`, 'k.yaml');
    expect(years.ok).toBe(true);
  });

  it('accepts a hundred and fifty checks sharing one anchor, which yaml alone calls an attack', () => {
    const lines = ['checks:'];
    for (let i = 0; i < 150; i++) {
      const resolvers = i === 0 ? '&resolvers ["192.0.2.53"]' : '*resolvers';
      lines.push(`  - { id: d${i}, type: dns, query_name: app.example.net, resolvers: ${resolvers} }`);
    }
    const outcome = parseConfigText(`${lines.join('\n')}\n`, 'k.yaml');
    expect(outcome.ok && outcome.config.checks.length).toBe(150);
  });

  it('locates an alias bomb at the alias where its expansion passes the limit', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [name, inner] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      levels.push(`${name}: &${name} [${Array(10).fill(`*${inner}`).join(', ')}]`);
    }
    const [issue] = issuesOf(`${levels.join('\n')}\n`);
    // 134,463 values come before f's list and each *e adds 111,111: the eighth passes a million.
    expect(issue).toEqual({
      file: 'k.yaml',
      line: 6,
      column: 36,
      field: '(file)',
      message: 'cannot be read: the aliases expand to more than 1000000 values (a YAML alias bomb?)',
    });
  });

  it('refuses a document of more than a million tokens before building it, saying where it stopped', () => {
    const [issue] = issuesOf(`checks: [${'1,'.repeat(MAX_YAML_TOKENS / 2 + 10)}1]\n`);
    expect(issue!.message).toBe("more than 1000000 YAML tokens; the limit keeps parsing within the engine's memory");
    // "checks", ":" and "[" are three tokens; the one past the budget is element 999,998 (a ","),
    // which starts at column 10 + 999,997.
    expect(issue).toMatchObject({ line: 1, column: 10 + MAX_YAML_TOKENS - 3 });
  });

  it('refuses more checks than one engine should run, at the checks list', () => {
    const checks = Array.from(
      { length: MAX_CHECKS + 1 },
      (_, i) => `  - { id: c${i}, type: tcp, host: 127.0.0.1, port: 9 }`,
    );
    expect(issuesOf(`checks:\n${checks.join('\n')}\n`)).toEqual([
      expect.objectContaining({ field: 'checks', line: 2, message: expect.stringContaining('at most 20000 checks') }),
    ]);
  });

  it('says a file with only a document marker or a null is empty, as one with only comments', () => {
    for (const text of ['---\n', '# soon\n---\n...\n', '~\n', 'null\n']) {
      expect(issuesOf(text)).toEqual([
        {
          file: 'k.yaml',
          line: null,
          column: null,
          field: '(file)',
          message: 'config file is empty: add at least one check',
        },
      ]);
    }
  });

  it('points at a duplicated key', () => {
    expect(issuesOf(`checks:\n${TCP}board: { title: A }\nboard: { title: B }\n`)).toEqual([
      { file: 'k.yaml', line: 4, column: 1, field: '(yaml syntax)', message: 'duplicate key "board"' },
    ]);
  });
});
