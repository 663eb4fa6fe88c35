import { setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * V8 limits for the engine worker. Probing makes many short-lived objects; with V8's defaults
 * (sized from the machine's memory) the young generation grows to a couple of hundred MiB and
 * the old generation to several hundred more before a full collection, nearly all of it
 * garbage: 310-330 MiB resident for 5,000 checks where the live heap is under 40 MiB. These
 * limits bring it to about 215 MiB at the same CPU (docs/BENCHMARKS.md). The old-generation
 * limit is a ceiling on live data, far above what the engine holds.
 */
export const ENGINE_RESOURCE_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 24, maxOldGenerationSizeMb: 1024 };

/**
 * How much the old generation may grow past what the last full collection kept before V8 starts
 * the next one, in percent. V8 sizes that step by how fast the collector is against how fast the
 * program allocates: for an engine that is idle most of the time it judges collections cheap and
 * keeps the step near 27 %, so a centre with 600 results a second (about 1.3 MB promoted a
 * second over a 46 MB live heap) ran a full collection every 10 s, each marking the whole heap:
 * about 30 ms on the engine's thread and as much again on V8's helper threads, a fifth of the
 * centre's CPU. At 100 % it runs one every 35 s or so, for at most about 45 MB more heap
 * (docs/BENCHMARKS.md, "The old generation's growth step"). The same holds for the agents and a
 * local engine, which run the same engine. KNOCKON_HEAP_GROWING_PERCENT overrides it (an integer
 * from 0, V8's own choice, to 400).
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Sets V8's heap growing step for this process (the flag is process-wide and read at each
 * collection, so it applies to every thread's heap, those started before too; setting it again
 * is harmless). Returns the
 * percentage set, or null when V8 is left to choose; throws on a malformed override.
 */
export function tuneHeapGrowth(env: NodeJS.ProcessEnv = process.env): number | null {
  const given = env.KNOCKON_HEAP_GROWING_PERCENT;
  const percent = given === undefined || given === '' ? HEAP_GROWING_PERCENT : Number(given);
  if (!Number.isInteger(percent) || percent < 0 || percent > 400) {
    throw new Error(`KNOCKON_HEAP_GROWING_PERCENT: expected a whole number from 0 to 400, got "${given}"`);
  }
  if (percent === 0) return null;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

/**
 * Turns V8's parallel scavenging off for this process (process-wide, read at each young-generation
 * collection, so the engine's and the store's threads started later have it too), unless
 * KNOCKON_PARALLEL_SCAVENGE=1. In parallel, each scavenge wakes V8's helper threads to share the
 * copying; on the small machines Knockon runs on (a wall display, a 2-core agent) the helpers
 * sleep between collections, and waking a sleeping thread costs more than the copying it takes
 * over: a young generation of 24 MiB holds a few MiB of survivors. Off, a centre's helper threads
 * woke 9 to 11 times a second instead of 13 to 16, and the agents went from parity with the local
 * engine to 3 to 5 % below it (docs/BENCHMARKS.md, "Wakes, and the same code on a faster day").
 * Returns whether parallel scavenging is off; throws on a malformed value.
 */
export function tuneScavenge(env: NodeJS.ProcessEnv = process.env): boolean {
  const given = env.KNOCKON_PARALLEL_SCAVENGE;
  if (given !== undefined && given !== '' && given !== '0' && given !== '1') {
    throw new Error(
      `KNOCKON_PARALLEL_SCAVENGE: expected 1 (V8's parallel scavenging) or 0 (off, the default), got "${given}"`,
    );
  }
  const off = given !== '1';
  setFlagsFromString(off ? '--no-parallel-scavenge' : '--parallel-scavenge');
  return off;
}

/**
 * tuneHeapGrowth and tuneScavenge for a process starting up (the engine's host, an agent): a
 * malformed override is said through `warn`, and V8 chooses.
 */
export function tuneHeapOrWarn(warn: (message: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  for (const tune of [tuneHeapGrowth, tuneScavenge]) {
    try {
      tune(env);
    } catch (error) {
      warn(`${error instanceof Error ? error.message : String(error)}; V8 chooses`);
    }
  }
}
