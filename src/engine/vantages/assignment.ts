/**
 * What a probe agent runs: a config document for its vantage, cut from the centre's config as
 * written (src/shared/config/input.ts), so the agent parses it with the same schema as a file
 * and secrets stay env references that the agent resolves in its own environment.
 */
import { createHash } from 'node:crypto';
import type { Assignment } from '../../shared/agent-protocol.ts';
import type { Config } from '../../shared/config/schema.ts';
import { canonicalJson } from '../canonical-json.ts';

/** Fields that mean something only where the vantages decide together: the centre. */
const CENTRE_ONLY = ['vantages', 'quorum', 'missing_vantage'];

export interface BuiltAssignment {
  assignment: Assignment;
  /** Checks in it. */
  checks: number;
}

/**
 * The assignment of every agent vantage in `config`, from the document it was parsed from.
 * `vantagesOf` gives a check's resolved vantages (defaults applied). Null without a document
 * (a config built in code): there is nothing as written to send.
 */
export function buildAssignments(
  config: Config,
  input: Record<string, unknown> | null,
  vantagesOf: (checkId: string) => readonly string[],
): Map<string, BuiltAssignment> | null {
  if (input === null) return null;
  const out = new Map<string, BuiltAssignment>();
  const inputChecks = Array.isArray(input.checks) ? input.checks.filter(isRecord) : [];
  const defaults = isRecord(input.defaults) ? without(input.defaults, CENTRE_ONLY) : undefined;
  for (const v of config.vantages) {
    const checks = inputChecks
      .filter((c) => typeof c.id === 'string' && c.enabled !== false && vantagesOf(c.id).includes(v.id))
      .map((c) => without(c, CENTRE_ONLY));
    const document: Record<string, unknown> = {
      version: 1,
      board: { title: config.board.title },
      ...(defaults ? { defaults } : {}),
      ...(input.engine !== undefined ? { engine: input.engine } : {}),
      regions: Array.isArray(input.regions) ? input.regions : [],
      checks,
      vantage: { id: v.id, name: v.name ?? v.id, reference_checks: v.reference_checks, offline_when: v.offline_when },
    };
    out.set(v.id, {
      assignment: { rev: revisionOf(document), vantage: v.id, config: document },
      checks: checks.length,
    });
  }
  return out;
}

/** SHA-256 of the document's canonical JSON: the same checks give the same revision, whatever the key order. */
export function revisionOf(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function without(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!keys.includes(k)) out[k] = v;
  return out;
}
