import { createRoot } from 'react-dom/client';
import { perf } from './perf.ts';

/**
 * After start-up, in idle time: renders a tiny chart once, off screen, so recharts' code is
 * loaded and compiled before the first real chart (a wall's first latency view otherwise pays for
 * it in the middle of its dwell), unless a real chart is on the page already (a board opened on
 * the latency view draws its charts' frames while their series are fetched: recharts is warm, and
 * a second chart mounted and unmounted would only compete with the first one's lines); then loads
 * the other views' code (`prefetchViews`, one chunk per idle period).
 */
export function warmUpCharts(prefetchViews: (between: () => Promise<void>) => Promise<void>): void {
  const run = async () => {
    await idle();
    const { DOWN_KEY, LatencyChart, PERCENTILE_SERIES } = await import('./components/LatencyChart.tsx');
    if (perf.charts.length > 0 || document.querySelector('.chart-surface')) return prefetchViews(idle);
    const host = document.createElement('div');
    host.setAttribute('aria-hidden', 'true');
    host.style.cssText = 'position:fixed;left:-10000px;top:0;width:400px;height:200px;visibility:hidden';
    document.body.appendChild(host);
    const root = createRoot(host);
    const now = Date.now();
    // A stretch of failed probes too, so the downtime area's code is compiled as well.
    const rows = Array.from({ length: 50 }, (_, i) => ({
      t: now - (50 - i) * 60_000,
      p50: 10,
      p95: 20,
      p99: 30,
      [DOWN_KEY]: i >= 20 && i < 25 ? 1 : 0,
    }));
    root.render(
      <LatencyChart
        rows={rows}
        series={PERCENTILE_SERIES}
        width={400}
        height={200}
        thresholdMs={25}
        domain={[now - 3_600_000, now]}
        timezone="UTC"
        rem={16}
        interactive
      />,
    );
    setTimeout(() => {
      root.unmount();
      host.remove();
    }, 1000);
    await prefetchViews(idle);
  };
  void run();
}

/** The browser's next idle period (or two seconds, where it has no idle callbacks). */
function idle(): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => resolve(), { timeout: 5000 });
    else setTimeout(resolve, 2000);
  });
}
