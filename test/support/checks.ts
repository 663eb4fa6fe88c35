import { resolveChecks, type ResolvedCheck } from '../../src/engine/checks.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';

/** Validates one check written as a YAML flow mapping, and resolves it as the engine would. */
export function checkFrom<T extends ResolvedCheck['type']>(
  type: T,
  fields: Record<string, unknown>,
): Extract<ResolvedCheck, { type: T }> {
  const text = JSON.stringify({ checks: [{ id: 'c', type, ...fields }] });
  const outcome = parseConfigText(text, 'test.yaml');
  if (!outcome.ok) throw new Error(outcome.issues.map((i) => `${i.field}: ${i.message}`).join('\n'));
  return resolveChecks(outcome.config)[0] as Extract<ResolvedCheck, { type: T }>;
}
