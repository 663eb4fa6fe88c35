/**
 * Whether several nodes agree on a value, and for how long they have not: pure, with the time
 * passed in. A short disagreement is replication in flight (degraded); one longer than the bound
 * means the caches drifted apart (down, data_disagree).
 */
import type { NodeReading } from '../../shared/model.ts';
import type { DataOutcome } from './data-session.ts';

export interface AgreementInput {
  readings: NodeReading[];
  /** Since when they disagreed at the previous probe, ms since the epoch; null if they agreed. */
  disagreeSince: number | null;
  now: number;
  maxDisagreementMs: number;
  missingOk: boolean;
}

export function judgeAgreement(input: AgreementInput): { outcome: DataOutcome; disagreeSince: number | null } {
  const { readings, now } = input;
  const base = { role: null, lagSeconds: null, lagBytes: null, nodes: readings } as const;
  const unreadable = readings.find((r) => r.errorClass !== null);
  if (unreadable) {
    // Nothing can be compared; an unreadable node keeps the disagreement clock where it was.
    return {
      outcome: {
        ok: false,
        errorClass: unreadable.errorClass,
        message: `${unreadable.node}: ${unreadable.message}`,
        replication: { ...base, disagreeSince: input.disagreeSince },
      },
      disagreeSince: input.disagreeSince,
    };
  }
  const compared = input.missingOk ? readings.filter((r) => r.digest !== null) : readings;
  const values = new Set(compared.map((r) => r.digest));
  if (values.size <= 1) {
    return {
      outcome: {
        ok: true,
        errorClass: null,
        message: `${readings.length} nodes agree`,
        replication: { ...base, disagreeSince: null },
      },
      disagreeSince: null,
    };
  }
  const since = input.disagreeSince ?? now;
  const forMs = now - since;
  const groups = [...values].map((v) => {
    const nodes = compared.filter((r) => r.digest === v).map((r) => r.node);
    return `${nodes.join(', ')} ${v === null ? 'missing' : v}`;
  });
  const said = `nodes disagree for ${Math.round(forMs / 1000)} s: ${groups.join(' / ')}`;
  const replication = { ...base, disagreeSince: since };
  if (forMs >= input.maxDisagreementMs) {
    return { outcome: { ok: false, errorClass: 'data_disagree', message: said, replication }, disagreeSince: since };
  }
  return { outcome: { ok: true, errorClass: null, message: said, degraded: true, replication }, disagreeSince: since };
}
