import { z } from 'zod';

/**
 * How the vantages probing a check decide its status together (see quorum.ts in the engine):
 * - `majority`: down when more than half of the voting vantages see it down.
 * - `route53`: Route 53's rule: healthy while more than 18% of the voting vantages see it up.
 * - `{ k_of_n: k }`: down when at least k voting vantages see it down.
 * A vantage votes while its data is fresh and its observer online; no data is not down.
 */
export const quorumRuleSchema = z.union(
  [z.enum(['majority', 'route53']), z.strictObject({ k_of_n: z.int().min(1).max(64) })],
  { error: 'expected quorum: majority, route53 or { k_of_n: <number> }' },
);

/**
 * What a vantage that does not vote (no fresh data, observer offline) means for a check:
 * `abstain` (the default: no data is not down) or `down` (counted as a vantage that sees it down).
 */
export const missingVantageSchema = z.enum(['abstain', 'down'], {
  error: 'expected missing_vantage: abstain or down',
});

export type QuorumRule = z.output<typeof quorumRuleSchema>;
export type MissingVantage = z.output<typeof missingVantageSchema>;
