import { useEffect, useState } from 'react';
import type { SeriesPoint, SeriesRange } from '../../../shared/model.ts';
import { call } from '../rpc.ts';

export interface SeriesState {
  /** One series per check id, in the order asked (per vantage id when split by vantage). */
  series: Map<string, SeriesPoint[]> | null;
  error: string | null;
  loading: boolean;
  /** The series have been asked for and not answered yet (set once the request is out). */
  pending: boolean;
  /** performance.now() when the series arrived: the start of the chart's render time. */
  receivedAt: number;
}

/** Short ranges change visibly within seconds; long ones only need a refresh now and then. */
const REFRESH_MS: Record<SeriesRange, number> = {
  '1h': 15_000,
  '6h': 30_000,
  '24h': 60_000,
  '7d': 300_000,
  '30d': 600_000,
};

/**
 * Latency series of some checks from the history store, asking for about as many points as the
 * chart has pixels for (already downsampled by the engine). Refetches on its own clock. With
 * `vantages`, one check is asked once per vantage (its results from there alone), and the
 * series are keyed by vantage id.
 */
export function useSeries(
  checkIds: string[],
  range: SeriesRange,
  points: number,
  vantages: readonly string[] | null = null,
): SeriesState {
  const key = checkIds.join('\u0000');
  const split = vantages?.join('\u0000') ?? null;
  const [state, setState] = useState<SeriesState>({
    series: null,
    error: null,
    loading: true,
    pending: false,
    receivedAt: 0,
  });
  useEffect(() => {
    if (points <= 0 || key === '') return;
    let active = true;
    const ids = key.split('\u0000');
    const asks =
      split === null
        ? ids.map((checkId) => ({ key: checkId, params: { checkId, range, points } }))
        : split
            .split('\u0000')
            .map((vantage) => ({ key: vantage, params: { checkId: ids[0]!, range, points, vantage } }));
    const run = () =>
      Promise.all(asks.map((ask) => call('history.series', ask.params))).then(
        (results) =>
          active &&
          setState({
            series: new Map(asks.map((ask, i) => [ask.key, results[i] ?? []])),
            error: null,
            loading: false,
            pending: false,
            receivedAt: performance.now(),
          }),
        (error: unknown) =>
          active &&
          setState((prev) => ({
            ...prev,
            loading: false,
            pending: false,
            error: error instanceof Error ? error.message : String(error),
          })),
      );
    // The request goes out first, then the render that says so: what the chart draws while it
    // waits (its frame) never delays asking.
    void run();
    setState({ series: null, error: null, loading: true, pending: true, receivedAt: 0 });
    const timer = setInterval(() => void run(), REFRESH_MS[range]);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [key, range, points, split]);
  return state;
}
