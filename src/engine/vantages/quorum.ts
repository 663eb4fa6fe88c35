/**
 * The quorum: how the vantages probing a check decide its status together. A pure function of
 * each vantage's own status and whether its view may vote now (fresh data from an online
 * observer); the clock enters only through `fresh`, which the caller computes from its own
 * injected clock, so every rule is tested exactly.
 *
 * - A vantage votes while its data is fresh, its observer online, and it has decided something
 *   (a vantage still `unknown` has no opinion). No data is not down: with `missing: abstain` a
 *   vantage that cannot vote is left out of n; with `missing: down` it counts as seeing it down.
 * - `majority`: down when more than half of the voters see it down.
 * - `route53`: Route 53's rule: healthy while more than 18% of the voters see it healthy.
 * - `k_of_n: k`: down when at least k voters see it down; fewer than k voters cannot decide.
 * - Degraded by the same rule, counting voters that see it degraded or down.
 * - Too few voters: the status is held at the last decision (`held`), so an outage seen before
 *   every agent went quiet stays open, and nothing new is concluded from silence.
 * - A check that some voters see down while the quorum does not is a path problem: those
 *   vantages cannot reach it, the service is not down.
 */
import type { MissingVantage, QuorumRule } from '../../shared/config/quorum.ts';
import type { Status } from '../../shared/model.ts';

export interface VantageVote {
  vantage: string;
  /** The vantage's own status from its results (fall/rise/degraded rules). */
  status: Status;
  /** Its data is fresh and its observer online. */
  eligible: boolean;
}

export interface QuorumDecision {
  status: Status;
  /** Vantages that voted (with `missing: down`, those counted as down too). */
  voters: number;
  /** Eligible vantages that see it down, in input order. */
  failing: string[];
  held: boolean;
  pathProblem: boolean;
}

/** Route 53: an endpoint is healthy while more than this share of its checkers say so. */
export const ROUTE53_HEALTHY_SHARE = 0.18;

function meets(rule: QuorumRule, failing: number, voters: number): boolean {
  if (failing === 0) return false;
  if (rule === 'majority') return failing * 2 > voters;
  if (rule === 'route53') return (voters - failing) / voters <= ROUTE53_HEALTHY_SHARE;
  return failing >= rule.k_of_n;
}

/** Voters a decision needs: k for k of n, one otherwise. */
function needed(rule: QuorumRule): number {
  return typeof rule === 'object' ? rule.k_of_n : 1;
}

function opinion(vote: VantageVote): boolean {
  return vote.eligible && (vote.status === 'up' || vote.status === 'degraded' || vote.status === 'down');
}

export function decideQuorum(
  rule: QuorumRule,
  missing: MissingVantage,
  votes: readonly VantageVote[],
  previous: Status,
): QuorumDecision {
  let voters = 0;
  let down = 0;
  let degraded = 0;
  const failing: string[] = [];
  for (const vote of votes) {
    if (opinion(vote)) {
      voters++;
      if (vote.status === 'down') {
        down++;
        failing.push(vote.vantage);
      } else if (vote.status === 'degraded') degraded++;
    } else if (missing === 'down') {
      voters++;
      down++;
    }
  }
  if (voters < needed(rule) || voters === 0) {
    return { status: previous, voters, failing, held: true, pathProblem: previous !== 'down' && failing.length > 0 };
  }
  const status: Status = meets(rule, down, voters) ? 'down' : meets(rule, down + degraded, voters) ? 'degraded' : 'up';
  return { status, voters, failing, held: false, pathProblem: status !== 'down' && failing.length > 0 };
}

/** Whether two lists of vantage ids are the same, in the same order. */
export function sameVantages(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two decisions say the same: a caller keeps its older object, and what is built from it. */
export function sameDecision(a: QuorumDecision | null, b: QuorumDecision): boolean {
  return (
    a !== null &&
    a.status === b.status &&
    a.voters === b.voters &&
    a.held === b.held &&
    a.pathProblem === b.pathProblem &&
    sameVantages(a.failing, b.failing)
  );
}
