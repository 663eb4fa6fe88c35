import type { ProbeResult } from '../../src/shared/model.ts';

/**
 * Probes again and again until a result satisfies `done`, bounded by `maxProbes`; the probes
 * themselves pace the loop (each waits on the real server), with a short breath between.
 * Returns every result seen, the satisfying one last.
 */
export async function probeUntil(
  probe: () => Promise<ProbeResult>,
  done: (result: ProbeResult) => boolean,
  what: string,
  maxProbes = 100,
): Promise<ProbeResult[]> {
  const seen: ProbeResult[] = [];
  for (let i = 0; i < maxProbes; i++) {
    const result = await probe();
    seen.push(result);
    if (done(result)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const last = seen[seen.length - 1];
  throw new Error(`no probe showed ${what} in ${maxProbes} tries; last: ${last?.errorClass} ${last?.message}`);
}
