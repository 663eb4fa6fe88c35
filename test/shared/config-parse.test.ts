import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/engine/config/parse.ts';

const issuesOf = (text: string) => {
  const outcome = parseConfigText(text, 'knockon.yaml');
  if (outcome.ok) throw new Error('expected the config to be invalid');
  return outcome.issues;
};

describe('config parsing', () => {
  it('applies defaults and converts durations to milliseconds', () => {
    const outcome = parseConfigText(
      'checks:\n  - id: api\n    type: http\n    url: http://127.0.0.1:1/health\n    interval: 1m\n',
      'k.yaml',
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.config.defaults).toEqual({
      interval: 10_000,
      timeout: 5_000,
      fall: 3,
      rise: 2,
      quorum: 'majority',
      missing_vantage: 'abstain',
    });
    expect(outcome.config.checks[0]).toMatchObject({ interval: 60_000, method: 'GET', expect: {} });
  });

  it('names the line, column and field of an unknown field', () => {
    const [issue] = issuesOf('checks:\n  - id: api\n    type: http\n    url: http://x/\n    timout: 5s\n');
    expect(issue).toMatchObject({ file: 'knockon.yaml', line: 5, column: 5, field: 'checks[0].timout' });
    expect(issue!.message).toContain('unknown field "timout"');
  });

  it('explains a duration without a unit', () => {
    const [issue] = issuesOf('defaults:\n  interval: 5\n');
    expect(issue).toMatchObject({ line: 2, field: 'defaults.interval' });
    expect(issue!.message).toMatch(/duration/);
  });

  it('rejects an unknown check type and says which types exist', () => {
    const [issue] = issuesOf('checks:\n  - id: a\n    type: gopher\n');
    expect(issue).toMatchObject({ line: 3, field: 'checks[0].type' });
    expect(issue!.message).toContain('http');
  });

  it('reports YAML syntax errors with their position', () => {
    const [issue] = issuesOf('checks:\n  - id: a\n   type: [http\n');
    expect(issue!.field).toBe('(yaml syntax)');
    expect(issue!.line).toBeGreaterThanOrEqual(2);
  });

  it('catches duplicate ids and unknown regions', () => {
    const issues = issuesOf(
      [
        'regions:',
        '  - { id: hk, name: Hong Kong, lat: 22.3, lon: 114.2 }',
        'checks:',
        '  - { id: a, type: http, url: "http://x/", region: hk }',
        '  - { id: a, type: http, url: "http://y/", region: sg }',
      ].join('\n'),
    );
    expect(issues.map((i) => i.field).sort()).toEqual(['checks[1].id', 'checks[1].region']);
    expect(issues.find((i) => i.field === 'checks[1].region')!.message).toContain('unknown region "sg"');
    expect(issues.every((i) => i.line === 5)).toBe(true);
  });

  it('points a missing required field at its parent, and says it is missing', () => {
    const [issue] = issuesOf('checks:\n  - id: h\n    type: tcp\n    host: h\n');
    expect(issue).toMatchObject({ field: 'checks[0].port', line: 2, message: 'required field "port" is missing' });
  });

  it('refuses a time zone that does not exist', () => {
    const [issue] = issuesOf('board:\n  timezone: Asia/Hongkong_Island\n');
    expect(issue).toMatchObject({ field: 'board.timezone', line: 2 });
  });
});
