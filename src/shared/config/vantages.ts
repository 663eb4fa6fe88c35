import { z } from 'zod';
import { duration } from './duration.ts';
import { id } from './common.ts';
import type { QuorumRule } from './quorum.ts';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, {
  error: "expected the token's SHA-256 as 64 lowercase hex digits (knockon agent-token hash)",
});
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected an environment variable name (letters, digits, "_")',
});

/**
 * A probe agent in another region (`knockon agent --vantage <id>`). It connects out to this
 * engine, authenticates with a token bound to this id, and probes the checks listing it.
 */
export const remoteVantageSchema = z.strictObject({
  id,
  name: z.string().min(1).max(100).optional(),
  /** The region it sits in (a `regions` id), for the map. */
  region: id.optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  /** Checks of this vantage's own network (its gateway, a resolver), probed from it: down means the observer is offline. */
  reference_checks: z.array(id).default([]),
  offline_when: z.enum(['all', 'any']).default('all'),
  /** The agent token, as its SHA-256 (tokens made with `knockon agent-token create` live in the database instead). */
  token_sha256: sha256Hex.optional(),
  /** Or the agent token itself, read from this environment variable of the centre (hashed at load). */
  token_env: envName.optional(),
  /** Without a sync from the agent for this long, the vantage is offline: its checks' data stops voting. */
  offline_after: duration.default(15_000),
});

export type RemoteVantageConfig = z.output<typeof remoteVantageSchema>;

/** A quorum rule as people read it: "majority", "2 of 3", "route53 (18%)". */
export function describeQuorum(rule: QuorumRule, n: number): string {
  if (rule === 'majority') return `majority of ${n}`;
  if (rule === 'route53') return `route53 (more than 18% of ${n} healthy)`;
  return `${rule.k_of_n} of ${n}`;
}

interface VantageRefInput {
  vantage: { id: string; reference_checks: string[] };
  vantages: RemoteVantageConfig[];
  defaults: { vantages?: string[] | undefined; quorum: QuorumRule };
  checks: { id: string; type: string; vantages?: string[] | undefined; quorum?: QuorumRule | undefined }[];
}

interface Ctx {
  addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void;
}

/** The vantages a check is probed from, defaults applied. */
export function checkVantages(
  check: { vantages?: string[] | undefined },
  defaults: { vantages?: string[] | undefined },
  localId: string,
): string[] {
  return check.vantages ?? defaults.vantages ?? [localId];
}

/** Vantage ids unique and known, reference checks probed from their vantage, k never above n. */
export function validateVantages(config: VantageRefInput, ctx: Ctx): void {
  const localId = config.vantage.id;
  const known = new Set<string>([localId]);
  config.vantages.forEach((v, i) => {
    if (known.has(v.id)) {
      const what = v.id === localId ? 'the id of this machine (vantage.id)' : 'a duplicate vantage id';
      ctx.addIssue({ code: 'custom', path: ['vantages', i, 'id'], message: `"${v.id}" is ${what}` });
    }
    known.add(v.id);
    if (v.token_sha256 !== undefined && v.token_env !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['vantages', i, 'token_env'],
        message: 'give the agent token either as token_sha256 or as token_env, not both',
      });
    }
  });
  const list = () => [...known].join(', ');
  const checkIds = new Set(config.checks.map((c) => c.id));
  config.defaults.vantages?.forEach((v, j) => {
    if (!known.has(v)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaults', 'vantages', j],
        message: `unknown vantage "${v}"; defined vantages: ${list()}`,
      });
    }
  });
  const vantagesOf = new Map<string, string[]>();
  config.checks.forEach((check, i) => {
    const vantages = checkVantages(check, config.defaults, localId);
    vantagesOf.set(check.id, vantages);
    const seen = new Set<string>();
    check.vantages?.forEach((v, j) => {
      if (!known.has(v)) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', i, 'vantages', j],
          message: `unknown vantage "${v}"; defined vantages: ${list()}`,
        });
      }
      if (seen.has(v)) {
        ctx.addIssue({ code: 'custom', path: ['checks', i, 'vantages', j], message: `vantage "${v}" is listed twice` });
      }
      seen.add(v);
    });
    // Beats are pushed to the engine that listens for them: an agent elsewhere never sees them.
    if (check.type === 'heartbeat' && vantages.some((v) => v !== localId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['checks', i, check.vantages ? 'vantages' : 'type'],
        message: `a heartbeat check is received here, not probed: its vantages must be [${localId}]`,
      });
    }
    const rule = check.quorum ?? config.defaults.quorum;
    if (typeof rule === 'object' && rule.k_of_n > vantages.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['checks', i, check.quorum ? 'quorum' : 'vantages'],
        message: `quorum k_of_n ${rule.k_of_n} can never be met: the check is probed from ${vantages.length} vantage${vantages.length === 1 ? '' : 's'} (${vantages.join(', ')})`,
      });
    }
  });
  const refs = [
    { id: localId, refs: config.vantage.reference_checks, path: ['vantage', 'reference_checks'] },
    ...config.vantages.map((v, i) => ({
      id: v.id,
      refs: v.reference_checks,
      path: ['vantages', i, 'reference_checks'],
    })),
  ];
  for (const { id, refs: checks, path } of refs) {
    checks.forEach((checkId, c) => {
      if (!checkIds.has(checkId)) {
        // Unknown ids of this machine's reference checks are reported by references.ts.
        if (id !== localId) {
          ctx.addIssue({ code: 'custom', path: [...path, c], message: `unknown check "${checkId}"` });
        }
        return;
      }
      if (!vantagesOf.get(checkId)!.includes(id)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, c],
          message: `reference check "${checkId}" is not probed from vantage "${id}": add "${id}" to its vantages`,
        });
      }
    });
  }
}
