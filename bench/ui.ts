/**
 * npm run bench:ui — the real board (the built renderer) in Chromium, driven by Playwright,
 * fed by a synthetic board server: a small node:http server in this process that serves
 * out/renderer and speaks the same /api/events protocol as `knockon serve` (a snapshot, then
 * deltas every 250 ms like the engine's ChangeBatcher, each changed check as a patch), with every
 * check changing once a second. Each line gives the average delta frame's bytes (deltaBytesAvg).
 * A synthetic source rather than the engine, so the figure is the board's alone.
 *
 * Scenarios (BENCH_SCENARIOS, comma-separated; the first three by default), one JSON line each
 * {"bench":"ui","scenario":...}:
 *  - `steady`: 2,000 checks in 8 regions, a few flips; long tasks (PerformanceObserver
 *    'longtask') during a minute on the checks grid, then on the overview and the map; the
 *    time to apply each delta batch to the store (window.knockonPerf, always on); and the time
 *    to render a chart of 10 series x 8,640 points (30 days at 5-minute resolution), from the
 *    data's arrival to commit and to the next frame, first on a fresh page and warm, and for
 *    comparison with the board's downsampling guard off (?perf=raw-charts).
 *  - `bad-hour`: 300 checks in 8 regions, the first region down and the second degraded
 *    throughout (issue 16's bad hour): the grid, the overview and the map.
 *  - `grid-10k`: 10,000 checks on the grid, each with a result every second (2,500 changed
 *    checks per delta), scrolled a screen at a time through the grid and back: long tasks, and
 *    the most tiles in the page at once (the grid renders only those on and near the screen).
 *  - `chart`: only the steady scenario's chart, BENCH_CHART_RUNS times (3 by default) on fresh
 *    pages, with each run's figures and the medians (for comparing chart changes quickly);
 *    BENCH_CHART_POINTS=hint serves about the points the board asks for, as the engine does.
 *    The first render also gives `openToFrameMs`: from opening the page to the frame after every
 *    line (chunk, series fetch and render, whichever overlaps which), and `openToDataMs`.
 * Each line's `connect` is the long tasks from opening the page to a second after its first
 * tile (the snapshot's parse, apply and first render); `views` are measured after that. Both
 * give the renderer's main-thread CPU time (`mainThreadMs`, `mainThreadMsPerSecond`: DevTools'
 * ThreadTime), the board's own work, which a loaded machine's waits for a core do not inflate.
 * `apply` is every batch applied to the store: `maxMs` the longest of all, `deltaMaxMs` of those
 * without a snapshot (the per-delta target, `pass.deltaApplyUnder5ms`), `snapshotMaxMs` with one.
 *
 * BENCH_PROFILE=path writes CPU profiles (path-<scenario>, path-<scenario>-connect, path-chart);
 * BENCH_TRACE=path DevTools timeline traces of each grid and of connecting (path-<scenario>.json,
 * path-<scenario>-connect.json).
 *
 * BENCH_LOAD=n runs n busy loops beside the browser for the whole run (a small, busy wall
 * computer); BENCH_NICE=n runs the benchmark and its browser at that nice value (negative: ahead
 * of whatever else the machine runs, to approximate a quiet machine on a shared one; the busy
 * loops get the same). Each line records both and the load average at its start and end.
 *
 * Needs `npm run build` first. BENCH_SECONDS (the steady grid's duration; the other phases scale
 * with it), BENCH_CHECKS (the steady scenario's checks) and BENCH_SERIES override the defaults.
 */
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import type { BoardSnapshot, CheckView, SeriesPoint, Status } from '../src/shared/model.ts';
import { diffCheck } from '../src/shared/check-patch.ts';
import { PROTOCOL_VERSION, type BoardMessage, type CheckPatch } from '../src/shared/protocol.ts';
import { readStatic } from '../src/server/static-files.ts';
import { AUTH_ME_PATH, type AuthMe } from '../src/shared/auth-api.ts';
import { nextResult, seededRandom, syntheticCheck } from './synthetic-board.ts';

type Scenario = 'steady' | 'bad-hour' | 'grid-10k' | 'chart';
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'steady,bad-hour,grid-10k')
  .split(',')
  .map((name) => name.trim())
  .filter((name): name is Scenario => ['steady', 'bad-hour', 'grid-10k', 'chart'].includes(name));
const STEADY_CHECKS = Number(process.env.BENCH_CHECKS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SIDE_SECONDS = Math.max(5, Math.round(SECONDS / 3));
const SCENARIO_SECONDS = Math.max(10, Math.round(SECONDS / 2));
const LOAD = Number(process.env.BENCH_LOAD ?? 0);
const NICE = process.env.BENCH_NICE === undefined ? null : Number(process.env.BENCH_NICE);
const DELTA_MS = 250;
const SERIES = Number(process.env.BENCH_SERIES ?? 10);
const POINTS = 8640;
const CHART_RUNS = Number(process.env.BENCH_CHART_RUNS ?? 3);
const rendererDir = fileURLToPath(new URL('../out/renderer/', import.meta.url));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const REGIONS = [
  { id: 'hk', name: 'Hong Kong', lat: 22.32, lon: 114.17 },
  { id: 'sg', name: 'Singapore', lat: 1.35, lon: 103.82 },
  { id: 'tyo', name: 'Tokyo', lat: 35.68, lon: 139.69 },
  { id: 'syd', name: 'Sydney', lat: -33.87, lon: 151.21 },
  { id: 'bom', name: 'Mumbai', lat: 19.08, lon: 72.88 },
  { id: 'fra', name: 'Frankfurt', lat: 50.11, lon: 8.68 },
  { id: 'iad', name: 'Virginia', lat: 38.9, lon: -77.04 },
  { id: 'sfo', name: 'San Francisco', lat: 37.77, lon: -122.42 },
].map((r) => ({ ...r, providerRegion: null }));

// Children (the browser, the busy loops) inherit the nice value.
if (NICE !== null) setPriority(NICE);
const busy = Array.from({ length: LOAD }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));

let seq = 0;
const rand = seededRandom();

let scenario: Scenario = 'steady';

/** In the bad hour the first region is down and the second degraded, whatever the results say. */
function failing(i: number): Status | null {
  if (scenario !== 'bad-hour') return null;
  const region = i % REGIONS.length;
  return region === 0 ? 'down' : region === 1 ? 'degraded' : null;
}

const now0 = Date.now();
function makeChecks(count: number): CheckView[] {
  return Array.from({ length: count }, (_, i) =>
    syntheticCheck(i, `c${String(i).padStart(4, '0')}`, REGIONS[i % REGIONS.length]!.id, failing(i) ?? 'up', now0),
  );
}
let checks: CheckView[] = [];

/** The chart phase serves a board of one region with ten checks: one chart, ten series. */
let chartBoard = false;

function snapshot(): BoardSnapshot {
  const shown = chartBoard ? checks.filter((c) => c.region === 'hk').slice(0, SERIES) : checks;
  return {
    title: `UI benchmark (${checks.length} checks, ${scenario})`,
    timezone: 'Asia/Hong_Kong',
    generatedAt: Date.now(),
    config: { source: 'bench/ui.ts', appliedAt: now0, error: null },
    regions: chartBoard ? REGIONS.slice(0, 1) : REGIONS,
    checks: shown,
    components: [],
    incidents: [],
    vantage: { id: 'local', name: 'this machine', online: true, reason: null },
    failovers: [],
  };
}

/** One probe result per check per second: a quarter of the checks every 250 ms, a few changing status. */
function nextDelta(tick: number): BoardMessage {
  const at = Date.now();
  const patches: CheckPatch[] = [];
  for (let i = tick % 4; i < checks.length; i += 4) {
    const prev = checks[i]!;
    const next = nextResult(prev, at, failing(i), rand);
    checks[i] = next;
    // What the engine sends: only what changed in each check (shared/check-patch.ts).
    const patch = diffCheck(prev, next);
    if (patch) patches.push(patch);
  }
  return { v: PROTOCOL_VERSION, seq: ++seq, kind: 'delta', at, checks: [], patches, removed: [] };
}

function series(checkIndex: number): SeriesPoint[] {
  const step = 300_000;
  const start = Math.floor((Date.now() - POINTS * step) / step) * step;
  return Array.from({ length: POINTS }, (_, i) => {
    const base = 20 + checkIndex * 3 + 8 * Math.sin(i / 40);
    const spike = i % 997 === checkIndex ? 400 : 0;
    return {
      t: start + i * step,
      count: 300,
      failures: 0,
      availability: 1,
      min: base * 0.8,
      avg: base,
      max: base * 2 + spike,
      p50: base,
      p95: base * 1.4 + spike,
      p99: base * 1.8 + spike,
    };
  });
}

const clients = new Set<ServerResponse>();
/** Delta frames sent and their bytes: what each costs on the wire; event streams opened (a page asks again after a missed message). */
const deltaFrames = { count: 0, bytes: 0, streams: 0 };
const frameOf = (m: BoardMessage) => `event: board\ndata: ${JSON.stringify(m)}\n\n`;
const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/api/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    deltaFrames.streams++;
    // Numbered as the last delta: the next one follows it.
    res.write(frameOf({ v: PROTOCOL_VERSION, seq, kind: 'snapshot', snapshot: snapshot() }));
    clients.add(res);
    req.on('close', () => clients.delete(res));
    return;
  }
  if (url.pathname === '/api/query/history.series') {
    const params = JSON.parse(url.searchParams.get('params') ?? '{}') as { checkId: string; points?: number };
    // Deliberately ignores the `points` hint: the whole 8,640 points reach the board. With
    // BENCH_CHART_POINTS=hint every n-th point, about as many as asked (as the engine sends), so
    // the warm render's main-thread time is the chart's rather than a 14 MB JSON parse's.
    const index = checks.findIndex((c) => c.id === params.checkId);
    const all = series(Math.max(0, index / REGIONS.length));
    const every =
      process.env.BENCH_CHART_POINTS === 'hint'
        ? Math.max(1, Math.floor(all.length / (params.points ?? all.length)))
        : 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(every > 1 ? all.filter((_, i) => i % every === 0) : all));
    return;
  }
  if (url.pathname === '/transport-only') {
    // The same event stream into a page that only parses it: what the transport alone costs.
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script>
      window.longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push(e.duration); }).observe({ type: 'longtask' });
      new EventSource('/api/events').addEventListener('board', (e) => JSON.parse(e.data));
    </script>`);
    return;
  }
  if (url.pathname === AUTH_ME_PATH) {
    // A board without sign-in, as `knockon serve` without `auth:` answers.
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ mode: 'open' } satisfies AuthMe));
    return;
  }
  if (url.pathname.startsWith('/api/')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    return;
  }
  const file = (await readStatic(rendererDir, url.pathname)) ?? (await readStatic(rendererDir, '/index.html'));
  if (!file) {
    res.writeHead(404).end('run "npm run build" first');
    return;
  }
  res.writeHead(200, { 'content-type': file.type }).end(file.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
let tick = 0;
let ticker: ReturnType<typeof setInterval> | null = null;
/** Serves a scenario's board: new checks, and deltas from now on. */
function serveScenario(name: Scenario, count: number): void {
  scenario = name;
  checks = makeChecks(count);
  ticker ??= setInterval(() => {
    const frame = frameOf(nextDelta(tick++));
    deltaFrames.count++;
    deltaFrames.bytes += Buffer.byteLength(frame);
    for (const res of clients) res.write(frame);
  }, DELTA_MS);
}
function stopDeltas(): void {
  if (ticker) clearInterval(ticker);
  ticker = null;
}

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});

type Perf = {
  apply: {
    batches: number;
    messages: number;
    totalMs: number;
    maxMs: number;
    over5ms: number;
    deltaMaxMs: number;
    snapshotMaxMs: number;
  };
  charts: {
    points: number;
    series: number;
    /** The data's arrival, ms since the page was opened (absent in builds before it was recorded). */
    startedAt?: number;
    commitMs: number;
    drawnMs: number;
    frameMs: number;
  }[];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 100) / 100;
const load = () => loadavg().map((l) => round(l));

/**
 * BENCH_PROFILE=path: starts a CPU profile of a page (sampling every `intervalUs`); the returned
 * stop writes it to path-<suffix>. Without BENCH_PROFILE (or when `when` is false) both do nothing.
 */
async function startProfile(page: Page, intervalUs: number, when = true) {
  if (!process.env.BENCH_PROFILE || !when) return async (_suffix: string) => undefined;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  return async (suffix: string) => {
    const { profile } = await cdp.send('Profiler.stop');
    (await import('node:fs')).writeFileSync(`${process.env.BENCH_PROFILE!}-${suffix}`, JSON.stringify(profile));
  };
}

/** A fresh page on the board, with long tasks collected from the start. */
async function openBoard() {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.addInitScript(() => {
    const w = globalThis as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true } as never);
  });
  // BENCH_PROFILE=path: a CPU profile of connecting as well (path-<scenario>-connect).
  const stopConnectProfile = await startProfile(page, 200);
  if (process.env.BENCH_TRACE)
    await browser.startTracing(page, {
      path: `${process.env.BENCH_TRACE}-${scenario}-connect.json`,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing'],
    });
  // The renderer's main-thread CPU time (DevTools' ThreadTime): the board's own work, which on
  // a loaded machine the wall time of its tasks says little about (they wait for a core).
  const metrics = await page.context().newCDPSession(page);
  await metrics.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadMs = async () =>
    1000 * ((await metrics.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? 0);
  await page.goto(`${base}?perf=1#/checks`);
  await page.waitForSelector('[data-testid="connection"][data-state="live"]');
  await page.waitForSelector('[data-testid="check-c0000"]');
  const readPerf = () => page.evaluate(() => (globalThis as unknown as { knockonPerf: Perf }).knockonPerf);
  const takeLongTasks = () =>
    page.evaluate(() => {
      const w = globalThis as unknown as { longTasks: number[] };
      const tasks = w.longTasks;
      w.longTasks = [];
      return tasks;
    });
  const tiles = () =>
    page.evaluate(
      () =>
        (
          globalThis as unknown as { document: { getElementsByClassName(c: string): { length: number } } }
        ).document.getElementsByClassName('tile').length,
    );

  /** Long tasks and delta applies during `seconds` on a view; `scroll`: a screen down every second, then back up. */
  async function watch(view: string, seconds: number, scroll = false) {
    await page.evaluate(
      (hash) => ((globalThis as unknown as { location: { hash: string } }).location.hash = hash),
      `#/${view}`,
    );
    await page.waitForSelector(`[data-testid="view-${view}"]`);
    await sleep(1000);
    await takeLongTasks();
    const before = await readPerf();
    const threadBefore = await threadMs();
    let maxTiles = await tiles();
    for (let s = 0; s < seconds; s++) {
      await sleep(1000);
      if (scroll) {
        const down = s < seconds / 2;
        await page.evaluate((d) => {
          const w = globalThis as unknown as { innerHeight: number; scrollBy(x: number, y: number): void };
          w.scrollBy(0, d ? w.innerHeight : -w.innerHeight);
        }, down);
      }
      if (view === 'checks') maxTiles = Math.max(maxTiles, await tiles());
    }
    const tasks = await takeLongTasks();
    const after = await readPerf();
    const thread = (await threadMs()) - threadBefore;
    const batches = after.apply.batches - before.apply.batches;
    return {
      seconds,
      mainThreadMsPerSecond: round(thread / seconds),
      longTasks: tasks.length,
      longestTaskMs: round(Math.max(0, ...tasks)),
      batches,
      applyAvgMs: round((after.apply.totalMs - before.apply.totalMs) / Math.max(1, batches)),
      ...(view === 'checks' ? { maxTiles } : {}),
    };
  }
  // Connecting: the snapshot's arrival, parse and first render, until a second after the first tile.
  await sleep(1000);
  const connectTasks = await takeLongTasks();
  const connect = {
    longTasks: connectTasks.length,
    longestTaskMs: round(Math.max(0, ...connectTasks)),
    mainThreadMs: round(await threadMs()),
  };
  if (process.env.BENCH_TRACE) await browser.stopTracing();
  await stopConnectProfile(`${scenario}-connect`);
  return { page, watch, readPerf, connect };
}

/**
 * The region chart for Hong Kong: ten checks, p95 each, 8,640 points a series. Timed twice: the
 * first render on a fresh page (cold code), then again after switching range away and back
 * (what a wall does every rotation, with the code warm).
 */
async function chart(query: string) {
  const chartPage = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const charts = () =>
    chartPage.evaluate(() =>
      (globalThis as unknown as { knockonPerf: Perf }).knockonPerf.charts.filter((c) => c.frameMs > 0),
    );
  const waitForCharts = (n: number) =>
    chartPage.waitForFunction(
      ({ series, count }) =>
        (globalThis as unknown as { knockonPerf: Perf }).knockonPerf.charts.filter(
          (c) => c.series === series && c.points > 0 && c.frameMs > 0,
        ).length >= count,
      { series: SERIES, count: n },
      { timeout: 60_000 },
    );
  // BENCH_PROFILE=path: a CPU profile of the first render too, from opening the page (path-chart-first).
  const stopColdProfile = await startProfile(chartPage, 100, query === 'perf=1');
  await chartPage.goto(`${base}?${query}#/latency?by=region&range=30d`);
  await waitForCharts(1);
  await stopColdProfile('chart-first');
  const cold = (await charts()).filter((c) => c.series === SERIES).at(-1)!;
  // On the way there (resource timing, ms since opening): the latency view's chunk loaded, and the
  // series requests' first start and last end.
  const steps = await chartPage.evaluate(() => {
    const entries = performance.getEntriesByType('resource') as unknown as {
      name: string;
      startTime: number;
      responseEnd: number;
    }[];
    const chunk = entries.find((e) => /\/LatencyView-[^/]*\.js$/.test(e.name));
    const asks = entries.filter((e) => e.name.includes('history.series'));
    return {
      viewChunkLoadedMs: chunk?.responseEnd ?? null,
      seriesAskedMs: asks.length > 0 ? Math.min(...asks.map((e) => e.startTime)) : null,
      seriesAnsweredMs: asks.length > 0 ? Math.max(...asks.map((e) => e.responseEnd)) : null,
    };
  });
  // BENCH_SCREENSHOTS=dir: the chart, and its tooltip with the pointer on it.
  if (process.env.BENCH_SCREENSHOTS && query === 'perf=1') {
    await chartPage.screenshot({ path: `${process.env.BENCH_SCREENSHOTS}/bench-chart.png` });
    const box = (await chartPage.locator('.chart-surface').first().boundingBox())!;
    await chartPage.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    await chartPage.screenshot({ path: `${process.env.BENCH_SCREENSHOTS}/bench-chart-tooltip.png` });
    await chartPage.mouse.move(0, 0);
  }
  await chartPage.getByTestId('range-7d').click();
  await waitForCharts(2);
  // BENCH_PROFILE=path: a CPU profile of the warm render (path-chart), to see where it goes.
  const stopWarmProfile = await startProfile(chartPage, 100, query === 'perf=1');
  // The warm render's main-thread time as well as its wall time: on a loaded machine the wall
  // time is mostly waiting for a core, the thread time is the board's own work.
  const metrics = await chartPage.context().newCDPSession(chartPage);
  await metrics.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadTime = async () =>
    (await metrics.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')?.value ?? 0;
  const threadBefore = await threadTime();
  await chartPage.getByTestId('range-30d').click();
  await waitForCharts(3);
  const warmThreadMs = (await threadTime()) - threadBefore;
  await stopWarmProfile('chart');
  const warm = (await charts()).filter((c) => c.series === SERIES).at(-1)!;
  await chartPage.close();
  const figures = (c: Perf['charts'][number]) => ({
    commitMs: round(c.commitMs),
    drawnMs: round(c.drawnMs),
    frameMs: round(c.frameMs),
  });
  // From opening the page: to the series' arrival, and to the frame after every line (chunk,
  // series fetch, recharts' mount and the render all included, whichever overlaps which).
  const opened: { openToDataMs?: number; openToFrameMs?: number } =
    cold.startedAt === undefined
      ? {}
      : {
          openToDataMs: round(cold.startedAt),
          openToFrameMs: round(cold.startedAt + cold.frameMs),
          ...Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, v === null ? null : round(v)])),
        };
  return {
    series: warm.series,
    pointsPerSeries: warm.points,
    first: { ...figures(cold), ...opened },
    warm: { ...figures(warm), mainThreadMs: round(warmThreadMs * 1000) },
  };
}

/**
 * The `chart` scenario: only the region chart, BENCH_CHART_RUNS times (each on a fresh page, first
 * then warm), with the median of each figure: for comparing chart changes without the views.
 */
async function chartOnly() {
  const loadAtStart = load();
  serveScenario('steady', STEADY_CHECKS);
  stopDeltas();
  chartBoard = true;
  const runs: Awaited<ReturnType<typeof chart>>[] = [];
  for (let i = 0; i < CHART_RUNS; i++) runs.push(await chart(process.env.BENCH_CHART_QUERY ?? 'perf=1'));
  chartBoard = false;
  const median = (values: number[]) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
  const opened = runs.flatMap((r) => (r.first.openToFrameMs === undefined ? [] : [r.first.openToFrameMs]));
  const first = {
    frameMs: median(runs.map((r) => r.first.frameMs)),
    drawnMs: median(runs.map((r) => r.first.drawnMs)),
    ...(opened.length > 0 ? { openToFrameMs: median(opened) } : {}),
  };
  const warm = {
    frameMs: median(runs.map((r) => r.warm.frameMs)),
    drawnMs: median(runs.map((r) => r.warm.drawnMs)),
    mainThreadMs: median(runs.map((r) => r.warm.mainThreadMs)),
  };
  return {
    bench: 'ui',
    scenario: 'chart',
    source: 'synthetic SSE server (bench/ui.ts) serving out/renderer',
    series: SERIES,
    pointsPerSeries: POINTS,
    servedPoints: process.env.BENCH_CHART_POINTS === 'hint' ? 'about as many as asked' : 'all',
    machine: { busyLoops: LOAD, nice: NICE, loadAtStart, loadAtEnd: load() },
    runs: runs.map((r) => ({
      firstFrameMs: r.first.frameMs,
      firstOpenToFrameMs: r.first.openToFrameMs,
      firstSteps: r.first.openToFrameMs === undefined ? undefined : r.first,
      warmFrameMs: r.warm.frameMs,
      warmMainThreadMs: r.warm.mainThreadMs,
    })),
    median: { first, warm },
    pass: { chartUnder150ms: first.frameMs < 150 && warm.frameMs < 150 },
  };
}

/** One scenario's JSON line. */
async function run(name: Scenario) {
  if (name === 'chart') return chartOnly();
  const count = name === 'steady' ? STEADY_CHECKS : name === 'bad-hour' ? 300 : 10_000;
  const loadAtStart = load();
  deltaFrames.count = deltaFrames.bytes = deltaFrames.streams = 0;
  serveScenario(name, count);
  const { page, watch, readPerf, connect } = await openBoard();
  const stopViewProfile = await startProfile(page, 200);
  // BENCH_TRACE=path: a DevTools timeline trace of the grid (path-<scenario>.json): what the long tasks are.
  if (process.env.BENCH_TRACE)
    await browser.startTracing(page, {
      path: `${process.env.BENCH_TRACE}-${name}.json`,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink.user_timing'],
    });
  const grid = await watch('checks', name === 'steady' ? SECONDS : SCENARIO_SECONDS, name === 'grid-10k');
  if (process.env.BENCH_TRACE) await browser.stopTracing();
  await stopViewProfile(name);
  const views: Record<string, Awaited<ReturnType<typeof watch>>> = { checks: grid };
  if (name !== 'grid-10k') {
    views.overview = await watch('wall', SIDE_SECONDS);
    views.map = await watch('map', SIDE_SECONDS);
  }
  const apply = (await readPerf()).apply;
  // BENCH_SCREENSHOTS=dir: how the board looks, for a human to check.
  if (process.env.BENCH_SCREENSHOTS) {
    for (const view of ['checks', 'wall', 'map', 'incidents']) {
      await page.evaluate(
        (hash) => ((globalThis as unknown as { location: { hash: string } }).location.hash = hash),
        `#/${view}`,
      );
      await sleep(1500);
      await page.screenshot({ path: `${process.env.BENCH_SCREENSHOTS}/bench-${name}-${view}.png` });
      if (view === 'checks') {
        // Three screens down: the rows there are rendered as the page scrolls, not before.
        await page.mouse.wheel(0, 3 * 1080);
        await sleep(1500);
        await page.screenshot({ path: `${process.env.BENCH_SCREENSHOTS}/bench-${name}-checks-scrolled.png` });
        await page.mouse.wheel(0, -3 * 1080);
      }
    }
  }
  await page.close();
  // At 10,000 checks every delta is about a megabyte of JSON: the floor beneath the board.
  let transportOnly: { seconds: number; longTasks: number; longestTaskMs: number } | null = null;
  if (name === 'grid-10k') {
    const bare = await browser.newPage();
    await bare.goto(`${base}transport-only`);
    await sleep(SCENARIO_SECONDS * 1000);
    const tasks = await bare.evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks);
    await bare.close();
    transportOnly = { seconds: SCENARIO_SECONDS, longTasks: tasks.length, longestTaskMs: round(Math.max(0, ...tasks)) };
  }
  stopDeltas();
  for (const res of clients) res.end();
  clients.clear();

  let charts: {
    chart: Awaited<ReturnType<typeof chart>>;
    chartWithoutDownsampling: Awaited<ReturnType<typeof chart>>;
  } | null = null;
  if (name === 'steady') {
    chartBoard = true;
    charts = {
      chart: await chart(process.env.BENCH_CHART_QUERY ?? 'perf=1'),
      chartWithoutDownsampling: await chart('perf=raw-charts'),
    };
    chartBoard = false;
  }

  const longest = Math.max(...Object.values(views).map((v) => v.longestTaskMs));
  return {
    bench: 'ui',
    scenario: name,
    source: 'synthetic SSE server (bench/ui.ts) serving out/renderer',
    checks: count,
    updatesPerSecond: Math.round((count * (1000 / DELTA_MS)) / 4),
    deltaEveryMs: DELTA_MS,
    deltaBytesAvg: Math.round(deltaFrames.bytes / Math.max(1, deltaFrames.count)),
    eventStreams: deltaFrames.streams,
    machine: { busyLoops: LOAD, nice: NICE, loadAtStart, loadAtEnd: load() },
    connect,
    views,
    longestTaskMs: longest,
    apply: {
      batches: apply.batches,
      avgMs: round(apply.totalMs / Math.max(1, apply.batches)),
      maxMs: round(apply.maxMs),
      over5ms: apply.over5ms,
      // The longest batch of deltas alone, and of a snapshot (connecting): maxMs is the longer.
      deltaMaxMs: round(apply.deltaMaxMs),
      snapshotMaxMs: round(apply.snapshotMaxMs),
    },
    ...charts,
    ...(transportOnly ? { transportOnly } : {}),
    pass: {
      noLongTaskOver50ms: longest <= 50,
      connectNoLongTaskOver50ms: connect.longestTaskMs <= 50,
      applyUnder5ms: apply.maxMs < 5,
      deltaApplyUnder5ms: apply.deltaMaxMs < 5,
      ...(charts ? { chartUnder150ms: charts.chart.warm.frameMs < 150 && charts.chart.first.frameMs < 150 } : {}),
      ...(name === 'grid-10k' ? { atMost1000Tiles: (grid.maxTiles ?? 0) <= 1000 } : {}),
    },
  };
}

let passed = true;
for (const name of SCENARIOS) {
  const result = await run(name);
  console.log(JSON.stringify(result));
  passed &&= Object.values(result.pass).every(Boolean);
}
await browser.close();
server.close();
for (const child of busy) child.kill();
process.exit(passed ? 0 : 1);
