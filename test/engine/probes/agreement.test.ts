import { describe, expect, it } from 'vitest';
import { judgeAgreement } from '../../../src/engine/probes/agreement.ts';
import type { NodeReading } from '../../../src/shared/model.ts';

const node = (name: string, digest: string | null): NodeReading => ({
  node: name,
  digest,
  errorClass: null,
  message: 'read',
});
const judge = (readings: NodeReading[], disagreeSince: number | null, now: number, missingOk = false) =>
  judgeAgreement({ readings, disagreeSince, now, maxDisagreementMs: 10_000, missingOk });

describe('node agreement', () => {
  it('starts the disagreement clock at the first probe that sees two values, and keeps it', () => {
    const first = judge([node('a', 'x'), node('b', 'y')], null, 5_000);
    expect(first).toMatchObject({ disagreeSince: 5_000, outcome: { ok: true, degraded: true } });
    const still = judge([node('a', 'x'), node('b', 'y')], 5_000, 14_999);
    expect(still).toMatchObject({ disagreeSince: 5_000, outcome: { ok: true, degraded: true } });
    const over = judge([node('a', 'x'), node('b', 'y')], 5_000, 15_000);
    expect(over).toMatchObject({ disagreeSince: 5_000, outcome: { ok: false, errorClass: 'data_disagree' } });
  });

  it('forgets the disagreement as soon as the nodes agree', () => {
    expect(judge([node('a', 'x'), node('b', 'x')], 5_000, 20_000)).toMatchObject({
      disagreeSince: null,
      outcome: { ok: true, errorClass: null },
    });
  });

  it('ignores missing values only when told to', () => {
    expect(judge([node('a', 'x'), node('b', null)], null, 0).outcome.degraded).toBe(true);
    expect(judge([node('a', 'x'), node('b', null)], null, 0, true).outcome.degraded).toBeUndefined();
  });

  it('fails with the unreadable node, keeping the clock where it was', () => {
    const down: NodeReading = { node: 'b', digest: null, errorClass: 'connect_refused', message: 'refused' };
    expect(judge([node('a', 'x'), down], 7_000, 9_000)).toMatchObject({
      disagreeSince: 7_000,
      outcome: { ok: false, errorClass: 'connect_refused', message: 'b: refused' },
    });
  });
});
