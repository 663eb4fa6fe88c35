/**
 * node bench/grid-delta.ts — the page's own work per delta on the grid at 10,000 checks, in
 * plain Node (no browser, so the figures are steady where bench:ui's long tasks follow the
 * machine's load): a delta of 2,500 patched checks (each check has a result every second, four
 * deltas a second, about one status flip in 500 results) applied to the store's board data
 * (`applyMessagesTo`), the header's counts, and the grid's groups when something moved
 * (`groupChecks`, as StatusGrid does). One JSON line: mean and median ms per delta, and the
 * most in one. Written to run unchanged against an older board (before `board-summary.ts`: the
 * header then counted every check on each delta, done here the same way), to compare builds.
 * BENCH_DELTAS (default 400) and BENCH_CHECKS (10,000).
 */
import { diffCheck } from '../src/shared/check-patch.ts';
import type { BoardSnapshot, CheckView, RegionView } from '../src/shared/model.ts';
import { PROTOCOL_VERSION, type BoardMessage, type CheckPatch } from '../src/shared/protocol.ts';
import { applyMessagesTo, type BoardData } from '../src/renderer/src/apply-messages.ts';
import { groupChecks, NameOrder } from '../src/renderer/src/grid-layout.ts';
import { nextResult, seededRandom, syntheticCheck } from './synthetic-board.ts';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 10_000);
const DELTAS = Number(process.env.BENCH_DELTAS ?? 400);
const regions: RegionView[] = ['hk', 'sg', 'tyo', 'syd', 'bom', 'fra', 'iad', 'sfo'].map((id) => ({
  id,
  name: id.toUpperCase(),
  lat: 0,
  lon: 0,
  providerRegion: null,
}));
const rand = seededRandom();
const t0 = 1_700_000_000_000;
const checks: CheckView[] = Array.from({ length: CHECKS }, (_, i) =>
  syntheticCheck(i, `c${String(i).padStart(5, '0')}`, regions[i % regions.length]!.id, 'up', t0),
);

let seq = 1;
function nextDelta(tick: number): BoardMessage {
  const at = t0 + tick * 250;
  const patches: CheckPatch[] = [];
  for (let i = tick % 4; i < checks.length; i += 4) {
    const prev = checks[i]!;
    const next = nextResult(prev, at, null, rand);
    checks[i] = next;
    const patch = diffCheck(prev, next);
    if (patch) patches.push(patch);
  }
  return { v: PROTOCOL_VERSION, seq: ++seq, kind: 'delta', at, checks: [], patches, removed: [] };
}

/** The header's counts as the board made them before `board-summary.ts`: every check, every delta. */
function countEveryCheck(all: readonly CheckView[]): number {
  let counted = 0;
  let newest = 0;
  for (const check of all) {
    if (check.instanceOf !== undefined) continue;
    if (check.status === 'down' || check.status === 'degraded' || check.status === 'up') counted++;
    if (check.lastProbeAt !== null && check.lastProbeAt > newest) newest = check.lastProbeAt;
  }
  return counted + newest;
}

const snapshot: BoardSnapshot = {
  title: 'grid-delta',
  timezone: 'UTC',
  generatedAt: t0,
  config: { source: 'bench/grid-delta.ts', appliedAt: t0, error: null },
  regions,
  checks: checks.slice(),
  components: [],
  incidents: [],
  vantage: { id: 'local', name: 'this machine', online: true, reason: null },
  failovers: [],
};
const deltas = Array.from({ length: DELTAS + 40 }, (_, tick) => nextDelta(tick));
let state = applyMessagesTo(
  { board: null, layoutChecks: null, rosterChecks: null, notices: [], seq: null } as unknown as BoardData,
  [{ v: PROTOCOL_VERSION, seq: 1, kind: 'snapshot', snapshot }],
) as BoardData;
const names = new NameOrder();
const roles = new Map();
let groups = groupChecks(state.layoutChecks!, state.rosterChecks!, regions, roles, null, names);
const keepsSummary = 'summary' in state;
const times: number[] = [];
let sink = 0;
deltas.forEach((delta, i) => {
  const start = performance.now();
  const layout = state.layoutChecks;
  state = applyMessagesTo(state, [delta]);
  if (!keepsSummary) sink += countEveryCheck(state.board!.checks);
  if (state.layoutChecks !== layout)
    groups = groupChecks(state.layoutChecks!, state.rosterChecks!, regions, roles, null, names);
  // The first 40 warm the code up.
  if (i >= 40) times.push(performance.now() - start);
});
times.sort((a, b) => a - b);
const round = (n: number) => Math.round(n * 1000) / 1000;
console.log(
  JSON.stringify({
    bench: 'grid-delta',
    checks: CHECKS,
    deltas: times.length,
    changedPerDelta: CHECKS / 4,
    headerCounted: keepsSummary ? 'kept per delta (board-summary)' : 'every check per delta',
    msPerDelta: {
      mean: round(times.reduce((a, b) => a + b, 0) / times.length),
      median: round(times[Math.floor(times.length / 2)]!),
      p95: round(times[Math.floor(times.length * 0.95)]!),
      max: round(times.at(-1)!),
    },
    groups: groups.length,
    headerSink: sink > 0,
  }),
);
