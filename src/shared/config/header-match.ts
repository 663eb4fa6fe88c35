import { z } from 'zod';

/** An HTTP header name (RFC 9110 token). */
export const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, { error: 'expected an HTTP header name such as X-Upstream' });

/** Whether a string compiles as a JavaScript regular expression. */
export function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** The four ways to expect something of a header's value; exactly one is given. */
export const headerMatchFields = {
  /** The whole value, exactly. */
  equals: z.string().max(1_000).optional(),
  /** A regular expression, found anywhere in the value. */
  matches: z.string().max(1_000).refine(isRegex, { error: 'expected a valid regular expression' }).optional(),
  present: z.literal(true).optional(),
  absent: z.literal(true).optional(),
};

export const EXACTLY_ONE_MATCH = {
  error: 'expected exactly one of equals, matches, present: true or absent: true',
} as const;

export function hasOneMatch(m: { equals?: string; matches?: string; present?: true; absent?: true }): boolean {
  return [m.equals, m.matches, m.present, m.absent].filter((v) => v !== undefined).length === 1;
}

/** One expectation about a response header. */
export const headerMatchSchema = z.strictObject(headerMatchFields).refine(hasOneMatch, EXACTLY_ONE_MATCH);

export type HeaderMatch = z.output<typeof headerMatchSchema>;

/** `expect.headers`: header name to expectation; names are matched without regard to case. */
export const headerExpectations = z
  .record(headerName, headerMatchSchema, {
    error: (issue) => (issue.code === 'invalid_key' ? 'expected an HTTP header name such as X-Upstream' : undefined),
  })
  .refine((r) => Object.keys(r).length <= 16, { error: 'expected at most 16 header expectations' });
