import { z } from 'zod';
import { malformedPlaceholder, unknownPlaceholders } from '../template.ts';

/** What a failover action's message may say, by placeholder (README, Failover: message text). */
export const FAILOVER_TEMPLATE_FIELDS = {
  policy: ['id', 'name', 'primary', 'backup'],
  run: ['id', 'direction', 'reason', 'from', 'to'],
  record: ['name', 'type', 'ttl'],
  incident: ['id', 'title', 'severity', 'root_cause'],
} as const;

/**
 * A message template, checked when the config loads: a placeholder the message could never
 * fill is an error naming it, not a blank in a message sent during an outage.
 */
export function messageTemplate(fields: Readonly<Record<string, readonly string[] | null>>) {
  const known = Object.entries(fields)
    .flatMap(([root, names]) => (names === null ? [root] : names.map((n) => `${root}.${n}`)))
    .join(', ');
  return z
    .string()
    .min(1)
    .max(2_000)
    .superRefine((template, ctx) => {
      const bad = malformedPlaceholder(template);
      if (bad !== null)
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a placeholder such as {{ policy.name }}` });
      for (const path of unknownPlaceholders(template, fields)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {{ ${path} }}; known: ${known}` });
      }
    })
    .meta({ description: `Message text; placeholders: ${known}.` });
}
