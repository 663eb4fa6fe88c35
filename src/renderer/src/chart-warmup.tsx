import { createRoot } from 'react-dom/client';

/**
 * When the browser is idle after start-up, loads the other views' code (`prefetchViews`, the
 * latency view and its charts first), then renders a tiny chart once, off screen, so recharts'
 * code is loaded and compiled before the first real chart: a wall's first latency view
 * otherwise pays for it in the middle of its dwell.
 */
export function warmUpCharts(prefetchViews: () => Promise<void>): void {
  const run = async () => {
    const [{ LatencyChart, PERCENTILE_SERIES }] = await Promise.all([
      import('./components/LatencyChart.tsx'),
      prefetchViews(),
    ]);
    await idle();
    const host = document.createElement('div');
    host.setAttribute('aria-hidden', 'true');
    host.style.cssText = 'position:fixed;left:-10000px;top:0;width:400px;height:200px;visibility:hidden';
    document.body.appendChild(host);
    const root = createRoot(host);
    const now = Date.now();
    const rows = Array.from({ length: 50 }, (_, i) => ({ t: now - (50 - i) * 60_000, p50: 10, p95: 20, p99: 30 }));
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
  };
  void idle().then(run);
}

function idle(): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in window) requestIdleCallback(() => resolve(), { timeout: 5000 });
    else setTimeout(resolve, 2000);
  });
}
