/**
 * Runs a prometheus check: one PromQL instant query, judged as an alert rule is (down while it
 * returns series) or by a threshold on the values. What went wrong is classified so the wall
 * never lies: Prometheus not answering is the observer's problem (probe_error), a query
 * Prometheus refuses (400 bad_data) is the config's (config_error, shown on the check's line),
 * and an empty answer where series were expected is promql_empty.
 */
import { request } from 'undici';
import { readBounded } from '../bounded-body.ts';
import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { authorizationHeader } from '../http-credentials.ts';
import { formatNumber, queryAnswerSchema, samplesOf, seriesText, toSeries, type Sample } from './prometheus-answer.ts';
import { ProbeStopwatch } from './stopwatch.ts';

type PrometheusCheck = Extract<ResolvedCheck, { type: 'prometheus' }>;
type Env = Readonly<Record<string, string | undefined>>;

/** Enough for max_series at its bound with long label sets; a bigger answer is refused unread. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export async function prometheusProbe(check: PrometheusCheck, env: Env, signal?: AbortSignal): Promise<ProbeResult> {
  const watch = new ProbeStopwatch(check.id);
  // When Prometheus could not be asked, there is no latency of the query to show.
  const result = (
    ok: boolean,
    errorClass: ProbeResult['errorClass'],
    message: string,
    extra: Partial<ProbeResult> = {},
  ): ProbeResult =>
    watch.result(ok, errorClass, message, { ...(errorClass === 'probe_error' ? { latencyMs: null } : {}), ...extra });
  const auth = authorizationHeader(check, env);
  if (!auth.ok)
    return result(false, 'probe_error', `environment variable ${auth.missing} is not set: Prometheus cannot be asked`);
  const url = new URL(`${check.url.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', check.query);
  const timeout = AbortSignal.timeout(check.timeoutMs);
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: {
        accept: 'application/json',
        'user-agent': 'Knockon',
        ...(auth.header ? { authorization: auth.header } : {}),
      },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headersTimeout: check.timeoutMs,
      bodyTimeout: check.timeoutMs,
    });
    status = response.statusCode;
    const answer = await readBounded(response.body, MAX_ANSWER_BYTES);
    if (!answer.complete)
      throw new Error(`the answer is over ${MAX_ANSWER_BYTES} bytes; lower max_series or narrow the query`);
    text = answer.text;
  } catch (error) {
    if (timeout.aborted) return result(false, 'probe_error', `Prometheus did not answer within ${check.timeoutMs} ms`);
    return result(
      false,
      'probe_error',
      `Prometheus unreachable: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return result(false, 'probe_error', `Prometheus answered HTTP ${status} with a body that is not JSON`);
  }
  const parsed = queryAnswerSchema.safeParse(json);
  if (!parsed.success) {
    return result(
      false,
      'probe_error',
      `Prometheus answered HTTP ${status} in an unknown shape: ${parsed.error.issues[0]?.message}`,
    );
  }
  const answer = parsed.data;
  if (answer.status === 'error') {
    // 400 bad_data is the query itself; 422 execution, 503 timeout/canceled are Prometheus's.
    const ours = status === 400 || answer.errorType === 'bad_data';
    return ours
      ? result(false, 'config_error', `the query is refused by Prometheus (${answer.errorType}): ${answer.error}`)
      : result(false, 'probe_error', `Prometheus could not run the query (${answer.errorType}): ${answer.error}`);
  }
  const samples = samplesOf(answer);
  if (typeof samples === 'string') return result(false, 'config_error', samples);
  return judge(check, samples, result);
}

function judge(
  check: PrometheusCheck,
  samples: readonly Sample[],
  result: (
    ok: boolean,
    errorClass: ProbeResult['errorClass'],
    message: string,
    extra?: Partial<ProbeResult>,
  ) => ProbeResult,
): ProbeResult {
  const threshold = check.above !== undefined || check.below !== undefined;
  const breaches = (s: Sample) =>
    (check.above !== undefined && s.value > check.above) || (check.below !== undefined && s.value < check.below);
  const failing = threshold ? breaches : () => check.down_when === 'non_empty';
  // Failing series first, so the cap never hides one that makes the check down (each is an alert).
  const ordered = [...samples.filter(failing), ...samples.filter((x) => !failing(x))];
  const series = toSeries(ordered.slice(0, check.max_series), failing, check.instance_labels);
  const extra = { prometheus: { series, total: samples.length } };
  if (samples.length === 0) {
    if (threshold || check.down_when === 'empty') {
      return result(false, 'promql_empty', 'the query returned no series where one was expected', extra);
    }
    return result(true, null, 'the query returned no series', extra);
  }
  if (!threshold && check.down_when === 'empty') return result(true, null, `${samples.length} series returned`, extra);
  const bad = series.filter((s) => s.failing);
  if (bad.length === 0) return result(true, null, `${samples.length} series within the threshold`, extra);
  const shown = bad.slice(0, 3).map((s) => `${seriesText(s.labels)} ${formatNumber(s.value)}`);
  const more = samples.filter(failing).length - shown.length;
  return result(false, 'promql_match', `${shown.join('; ')}${more > 0 ? ` and ${more} more` : ''}`, extra);
}
