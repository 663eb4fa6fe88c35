/**
 * The synthetic checks of the UI benchmarks (bench/ui.ts, bench/grid-delta.ts): an HTTP check
 * with a full heartbeat strip, and its next result as the engine would report it.
 */
import { addBeat, BEATS_KEPT } from '../src/shared/beats.ts';
import type { CheckView, Status } from '../src/shared/model.ts';

/** A fixed-seed generator: runs compare like with like. */
export function seededRandom(seed = 42): () => number {
  let random = seed;
  return () => {
    random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
    return random / 2 ** 31;
  };
}

const beatOf = (status: Status) => (status === 'down' ? 'd' : status === 'degraded' ? 'g' : 'u');

/** Check number `i` in `region`, probed at `at`, in `status` for an hour. */
export function syntheticCheck(i: number, id: string, region: string, status: Status, at: number): CheckView {
  return {
    id,
    name: `Service ${i} ${['api', 'web', 'db', 'cache', 'dns'][i % 5]}`,
    type: 'http',
    target: `GET https://svc-${i}.example.net/health`,
    region,
    intervalMs: 1000,
    timeoutMs: 500,
    status,
    since: at - 3_600_000,
    lastProbeAt: at,
    latencyMs: 20,
    errorClass: null,
    message: 'HTTP 200',
    consecutiveFailures: 0,
    consecutiveSuccesses: 10,
    degradedLatencyMs: 500,
    // A full heartbeat strip, as every check carries after 30 results.
    beats: beatOf(status).repeat(BEATS_KEPT),
  };
}

/**
 * The check after its next result at `at`: `forced` keeps it in that status; otherwise it flips
 * between up and down about once in 500 results.
 */
export function nextResult(prev: CheckView, at: number, forced: Status | null, rand: () => number): CheckView {
  const flip = forced === null && rand() < 0.002;
  const status: Status = forced ?? (flip ? (prev.status === 'up' ? 'down' : 'up') : prev.status);
  return {
    ...prev,
    status,
    since: flip ? at : prev.since,
    lastProbeAt: at,
    latencyMs: Math.round(((status === 'degraded' ? 800 : 15) + rand() * 30) * 10) / 10,
    errorClass: status === 'down' ? 'connect_refused' : null,
    message: status === 'down' ? 'connect ECONNREFUSED' : 'HTTP 200',
    beats: addBeat(prev.beats, beatOf(status)),
  };
}
