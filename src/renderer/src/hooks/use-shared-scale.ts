import { useCallback, useEffect, useMemo, useState } from 'react';

/** The view's shared y-axis: each chart reports its own maximum, every chart draws to the largest. */
export interface SharedScale {
  max: number | null;
  report: (key: string, max: number | null) => void;
}

/** Null while each chart keeps its own axis (the default). */
export function useSharedScale(enabled: boolean): SharedScale | null {
  const [maxima, setMaxima] = useState<ReadonlyMap<string, number>>(new Map());
  const report = useCallback((key: string, max: number | null) => {
    setMaxima((prev) => {
      if ((prev.get(key) ?? null) === max) return prev;
      const next = new Map(prev);
      if (max === null) next.delete(key);
      else next.set(key, max);
      return next;
    });
  }, []);
  const max = useMemo(() => (maxima.size === 0 ? null : Math.max(...maxima.values())), [maxima]);
  return useMemo(() => (enabled ? { max, report } : null), [enabled, max, report]);
}

/** Tells the shared scale this chart's maximum, and withdraws it when the chart goes. */
export function useReportMax(scale: SharedScale | null, key: string, max: number | null): void {
  const report = scale?.report;
  useEffect(() => {
    if (!report) return;
    report(key, max);
    return () => report(key, null);
  }, [report, key, max]);
}
