/**
 * Runs a real engine (real probes, knock-on analysis, incidents, failover) in its own process,
 * lets every check come up, then takes every file descriptor the process may open and watches
 * what the probes report; then gives them back. Started by observer-exhaustion.test.ts under
 * `prlimit --nofile`, so filling the table is quick. Prints one JSON object on stdout.
 */
import { closeSync, openSync } from 'node:fs';
import { systemClock } from '../../src/engine/clock.ts';
import { parseConfigText } from '../../src/engine/config/parse.ts';
import { Engine } from '../../src/engine/engine.ts';
import { installModules } from '../../src/engine/modules.ts';
import { RpcRegistry } from '../../src/engine/rpc.ts';
import type { BoardSnapshot, ProbeResult } from '../../src/shared/model.ts';

const RESULTS_WHILE_EXHAUSTED = 3;
const GIVE_UP_MS = 20_000;

const outcome = parseConfigText(process.env.KNOCKON_CONFIG ?? '', 'exhaustion.yaml');
if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
const checkIds = outcome.config.checks.map((c) => c.id);

const results: ProbeResult[] = [];
let waiter: (() => void) | null = null;
const rpc = new RpcRegistry();
const logs: string[] = [];
const engine = new Engine({
  clock: systemClock,
  emit: () => {},
  rpc,
  log: (level, message) => logs.push(`${level}: ${message}`),
  onResult: (result) => {
    results.push(result);
    waiter?.();
  },
});
await installModules({ engine, rpc, dataDir: null, log: (level, message) => logs.push(`${level}: ${message}`) });
engine.applyConfig(outcome.config, 'exhaustion.yaml');

/** Resolves once `done()` holds, re-asked after every result; rejects after GIVE_UP_MS. */
function until(what: string, done: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), GIVE_UP_MS);
    const ask = () => {
      if (!done()) return;
      clearTimeout(timer);
      waiter = null;
      resolve();
    };
    waiter = ask;
    ask();
  });
}

const status = (id: string) => engine.checkViews().find((c) => c.id === id)?.status;
await until('every check up', () => checkIds.every((id) => status(id) === 'up'));

// Between probes, so no socket opened before the table filled can close and hand its
// descriptor to a later probe.
// A probe's slot frees after its result is handled, so ask between turns of the event loop.
while (engine.schedulerStats().inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
const held: number[] = [];
try {
  for (;;) held.push(openSync('/dev/null', 'r'));
} catch (error) {
  if ((error as { code?: string }).code !== 'EMFILE') throw error;
}
const filledAt = Date.now();
const startedAfter = (at: number) => results.filter((r) => r.startedAt >= at);
await until(`${RESULTS_WHILE_EXHAUSTED} results per check while exhausted`, () =>
  checkIds.every((id) => startedAfter(filledAt).filter((r) => r.checkId === id).length >= RESULTS_WHILE_EXHAUSTED),
);
const whileExhausted: BoardSnapshot = engine.snapshot();
const exhaustedResults = startedAfter(filledAt);

for (const fd of held) closeSync(fd);
const releasedAt = Date.now();
await until('a success per check after release', () =>
  checkIds.every((id) => startedAfter(releasedAt).some((r) => r.checkId === id && r.ok)),
);
const afterwards: BoardSnapshot = engine.snapshot();
await engine.stop();
process.stdout.write(
  JSON.stringify({ descriptorsHeld: held.length, exhaustedResults, whileExhausted, afterwards, logs }) + '\n',
);
process.exit(0);
