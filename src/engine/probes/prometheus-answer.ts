/**
 * Prometheus's instant-query answer (GET /api/v1/query), parsed with zod before anything reads
 * it, and reduced to series with stable ids. The format is Prometheus's documented HTTP API:
 * `{status: "success", data: {resultType, result}}` or `{status: "error", errorType, error}`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { PromSeries } from '../../shared/model.ts';

/** Sample values travel as strings ("NaN", "+Inf" included); Number() reads them all. */
const sampleValue = z.tuple([z.number(), z.string().max(64)]);
const vectorResult = z.array(
  z.object({ metric: z.record(z.string().max(256), z.string().max(2_000)), value: sampleValue }),
);

export const queryAnswerSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: vectorResult }),
      z.object({ resultType: z.literal('scalar'), result: sampleValue }),
      z.object({ resultType: z.literal('string'), result: sampleValue }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().max(64), error: z.string().max(4_000) }),
]);

export type QueryAnswer = z.output<typeof queryAnswerSchema>;

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The answer's samples, or why there are none to judge (a range vector or string is a query mistake). */
export function samplesOf(answer: Extract<QueryAnswer, { status: 'success' }>): Sample[] | string {
  const data = answer.data;
  switch (data.resultType) {
    case 'vector':
      return data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
    case 'scalar':
      return [{ labels: {}, value: Number(data.result[1]) }];
    case 'string':
    case 'matrix':
      return `the query returns a ${data.resultType}; an instant vector or scalar is needed`;
  }
}

/**
 * An id that stays the same for the same series across probes and restarts: the chosen labels
 * (all when none are chosen), sorted, hashed. Short, because it names alerts and board rows.
 */
export function seriesId(labels: Readonly<Record<string, string>>, chosen?: readonly string[]): string {
  const names = (chosen ?? Object.keys(labels)).filter((n) => n in labels).sort();
  const text = names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',');
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** How people read a series: `{instance="10.0.0.5:9100", job="hk-api"}`, name first when there is one. */
export function seriesText(labels: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`);
  return `${name ?? ''}{${pairs.join(', ')}}`;
}

/** A series' value as people read it: whole numbers as they are, others to 4 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

export function toSeries(
  samples: readonly Sample[],
  failing: (s: Sample) => boolean,
  chosen?: readonly string[],
): PromSeries[] {
  return samples.map((s) => ({
    id: seriesId(s.labels, chosen),
    labels: s.labels,
    value: s.value,
    failing: failing(s),
  }));
}
