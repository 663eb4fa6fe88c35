import { describe, expect, it } from 'vitest';
import type { Status } from '../../../src/shared/model.ts';
import { decideQuorum, type VantageVote } from '../../../src/engine/vantages/quorum.ts';

const votes = (...statuses: (Status | `${Status}?`)[]): VantageVote[] =>
  statuses.map((s, i) => ({
    vantage: `v${i + 1}`,
    status: s.replace('?', '') as Status,
    eligible: !s.endsWith('?'),
  }));

describe('quorum', () => {
  it('k of n: down when at least k voters see it down, else a path problem', () => {
    const rule = { k_of_n: 2 };
    expect(decideQuorum(rule, 'abstain', votes('down', 'down', 'up'), 'up')).toEqual({
      status: 'down',
      voters: 3,
      failing: ['v1', 'v2'],
      held: false,
      pathProblem: false,
    });
    expect(decideQuorum(rule, 'abstain', votes('down', 'up', 'up'), 'up')).toEqual({
      status: 'up',
      voters: 3,
      failing: ['v1'],
      held: false,
      pathProblem: true,
    });
    // Only one vantage can vote: two witnesses are needed, so nothing is concluded.
    expect(decideQuorum(rule, 'abstain', votes('down', 'down?', 'up?'), 'up')).toMatchObject({
      status: 'up',
      voters: 1,
      held: true,
      pathProblem: true,
    });
  });

  it('majority: more than half of the voters', () => {
    expect(decideQuorum('majority', 'abstain', votes('down', 'up'), 'up').status).toBe('up');
    expect(decideQuorum('majority', 'abstain', votes('down', 'down', 'up'), 'up').status).toBe('down');
    expect(decideQuorum('majority', 'abstain', votes('down', 'down', 'up', 'up'), 'up').status).toBe('up');
    // A stale vantage does not vote: one of one is a majority.
    expect(decideQuorum('majority', 'abstain', votes('down', 'up?'), 'up')).toMatchObject({
      status: 'down',
      voters: 1,
      held: false,
    });
    // One vantage alone is the single-observer case: its status is the check's.
    expect(decideQuorum('majority', 'abstain', votes('degraded'), 'up').status).toBe('degraded');
  });

  it('route53: healthy while more than 18% of the voters see it healthy', () => {
    const ten = (healthy: number) =>
      votes(...Array.from({ length: 10 }, (_, i): Status => (i < healthy ? 'up' : 'down')));
    expect(decideQuorum('route53', 'abstain', ten(2), 'up')).toMatchObject({ status: 'up', pathProblem: true });
    expect(decideQuorum('route53', 'abstain', ten(1), 'up').status).toBe('down');
    // 18% exactly is not more than 18%.
    const fifty = votes(...Array.from({ length: 50 }, (_, i): Status => (i < 9 ? 'up' : 'down')));
    expect(decideQuorum('route53', 'abstain', fifty, 'up').status).toBe('down');
    const fiftyTen = votes(...Array.from({ length: 50 }, (_, i): Status => (i < 10 ? 'up' : 'down')));
    expect(decideQuorum('route53', 'abstain', fiftyTen, 'up').status).toBe('up');
  });

  it('degraded by the same rule, counting degraded and down voters', () => {
    expect(decideQuorum('majority', 'abstain', votes('degraded', 'down', 'up'), 'up')).toMatchObject({
      status: 'degraded',
      failing: ['v2'],
      pathProblem: true,
    });
    expect(decideQuorum('majority', 'abstain', votes('degraded', 'up', 'up'), 'up').status).toBe('up');
  });

  it('excludes stale vantages and those still unknown; all stale holds the last decision', () => {
    expect(decideQuorum('majority', 'abstain', votes('down?', 'down?', 'up'), 'down')).toMatchObject({
      status: 'up',
      voters: 1,
      failing: [],
    });
    expect(decideQuorum('majority', 'abstain', votes('unknown', 'down'), 'up')).toMatchObject({
      status: 'down',
      voters: 1,
    });
    expect(decideQuorum('majority', 'abstain', votes('down?', 'up?'), 'down')).toEqual({
      status: 'down',
      voters: 0,
      failing: [],
      held: true,
      pathProblem: false,
    });
    expect(decideQuorum('majority', 'abstain', votes('unknown', 'unknown'), 'unknown')).toMatchObject({
      status: 'unknown',
      held: true,
    });
  });

  it('missing: down counts a vantage that cannot vote as one that sees it down', () => {
    expect(decideQuorum('majority', 'down', votes('up', 'up?', 'down?'), 'up')).toMatchObject({
      status: 'down',
      voters: 3,
      failing: [],
      pathProblem: false,
    });
    expect(decideQuorum({ k_of_n: 2 }, 'down', votes('up', 'up', 'up?'), 'up').status).toBe('up');
  });
});
