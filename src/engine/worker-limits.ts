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
