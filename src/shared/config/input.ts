import type { Config } from './schema.ts';

/**
 * The document a config was parsed from, as written (durations with their units, env
 * references unresolved). Kept beside the parsed config, not in it, so the config's type stays
 * the schema's output: the centre sends agents their checks in this form, and each agent parses
 * them with the same schema as a file.
 */
const inputs = new WeakMap<Config, unknown>();

export function rememberInput(config: Config, input: unknown): void {
  inputs.set(config, input);
}

/** The document as written, or null for a config built in code. */
export function inputOf(config: Config): Record<string, unknown> | null {
  const input = inputs.get(config);
  return input !== null && typeof input === 'object' && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : null;
}
