/**
 * Always-on, cheap performance figures (a few performance.now() calls per batch or chart), read
 * by the UI benchmark from `window.knockonPerf`. With `?perf=1` batches are also
 * performance.measure entries, for the DevTools timeline.
 */
export const perf = {
  /**
   * Every batch applied; `deltaMaxMs` the longest of those without a snapshot, `snapshotMaxMs`
   * the longest with one (a snapshot replaces the board: connecting, or after a missed message).
   */
  apply: { batches: 0, messages: 0, totalMs: 0, maxMs: 0, over5ms: 0, deltaMaxMs: 0, snapshotMaxMs: 0 },
  /**
   * Chart renders, from the data's arrival: to React's commit, to every line drawn (recharts
   * draws in passes after the commit), and to the frame after that; `startedAt` is the data's
   * arrival (performance.now(): since the page was opened).
   */
  charts: [] as {
    points: number;
    series: number;
    startedAt: number;
    commitMs: number;
    drawnMs: number;
    frameMs: number;
  }[],
};

const perfParam = typeof location !== 'undefined' ? new URLSearchParams(location.search).get('perf') : null;
const measureEntries = perfParam !== null;
/** `?perf=raw-charts`: the benchmark's comparison run, with the chart's downsampling guard off. */
export const rawCharts = perfParam === 'raw-charts';

export function recordApply(start: number, messages: number, snapshot = false): void {
  const ms = performance.now() - start;
  const a = perf.apply;
  if (snapshot) a.snapshotMaxMs = Math.max(a.snapshotMaxMs, ms);
  else a.deltaMaxMs = Math.max(a.deltaMaxMs, ms);
  a.batches++;
  a.messages += messages;
  a.totalMs += ms;
  if (ms > a.maxMs) a.maxMs = ms;
  if (ms > 5) a.over5ms++;
  if (measureEntries) performance.measure('knockon:apply', { start, duration: ms });
}

export function recordChart(entry: (typeof perf.charts)[number]): void {
  perf.charts.push(entry);
  if (perf.charts.length > 50) perf.charts.shift();
}

declare global {
  interface Window {
    knockonPerf?: typeof perf;
  }
}
if (typeof window !== 'undefined') window.knockonPerf = perf;
