import { useEffect, useState } from 'react';
import type { RpcMethod, RpcParams, RpcResult } from '../../../shared/rpc.ts';
import { call } from '../rpc.ts';

export type QueryState<T> =
  | { state: 'loading'; data: T | null; error: null }
  | { state: 'ok'; data: T; error: null }
  | { state: 'error'; data: T | null; error: string };

/**
 * A query on the engine, refetched when its params change and every `refreshMs`. Keeps the last
 * good data while refetching or after an error, so charts never blank out on a hiccup.
 */
export function useQuery<M extends RpcMethod>(
  method: M,
  params: RpcParams<M> | null,
  refreshMs: number | null = null,
): QueryState<RpcResult<M>> {
  const key = params ? JSON.stringify(params) : null;
  const [result, setResult] = useState<QueryState<RpcResult<M>>>({ state: 'loading', data: null, error: null });
  useEffect(() => {
    if (key === null) return;
    let active = true;
    const run = () => {
      call(method, JSON.parse(key) as RpcParams<M>).then(
        (data) => active && setResult({ state: 'ok', data, error: null }),
        (error: unknown) =>
          active &&
          setResult((prev) => ({
            state: 'error',
            data: prev.data,
            error: error instanceof Error ? error.message : String(error),
          })),
      );
    };
    setResult({ state: 'loading', data: null, error: null });
    run();
    const timer = refreshMs ? setInterval(run, refreshMs) : null;
    return () => {
      active = false;
      if (timer) clearInterval(timer);
    };
  }, [method, key, refreshMs]);
  return result;
}
