/**
 * node bench/agent-wire.ts: what one result costs at the centre's agent door, per form of the
 * sync body, in this thread's CPU.
 *
 *   sync-objects   a sync body with one object per result (agent protocol 1): JSON.parse and the
 *                  array-of-objects schema it was validated with (WireResultSchema per result)
 *   sync-batch     the same results as the compact batch (protocol 2): JSON.parse,
 *                  AgentSyncRequestSchema and decodeBatch (the results as objects again)
 *
 * 200 HTTP results a body (one agent's sync at 2,000 checks / 10 s), the config of 2,000 checks
 * parsed first so zod runs as warm, and as varied, as in the centre. Each form is run in loops
 * of 300 bodies, five times; the median is reported. A hot loop: the centre, one sync a third of
 * a second, pays more per result (bench/vantages-parts.ts measures that), but the forms compare.
 *
 * Environment: WIRE_FORMS (all, comma-separated). One JSON line per form: µs per result, bytes.
 */
import { z } from 'zod';
import { parseConfigText } from '../src/engine/config/parse.ts';
import {
  AGENT_PROTOCOL_VERSION,
  AgentSyncRequestSchema,
  decodeBatch,
  encodeBatch,
  WireResultSchema,
  type NumberedResult,
} from '../src/shared/agent-protocol.ts';

const PER_SYNC = 200;
const CHECKS = 2_000;
const FORMS = ['sync-objects', 'sync-batch'] as const;
type Form = (typeof FORMS)[number];

const checks = Array.from({ length: CHECKS }, (_, i) => ({
  id: `c${i}`,
  type: 'http',
  url: `http://127.0.0.1:9/health?c=${i}`,
  expect: { json: { status: 'OK' } },
}));
if (!parseConfigText(JSON.stringify({ checks }), 'bench').ok) throw new Error('the bench config does not parse');

/** 30 syncs' results, as an agent probes them (timings as measured: full doubles). */
const syncs: NumberedResult[][] = Array.from({ length: 30 }, (_, b) => {
  const now = Date.now();
  return Array.from({ length: PER_SYNC }, (_, i) => {
    const latencyMs = 1.5 + Math.random();
    return {
      seq: b * PER_SYNC + i + 1,
      result: {
        checkId: `c${(b * PER_SYNC + i) % CHECKS}`,
        startedAt: now - 900 + i * 4,
        ok: true,
        latencyMs,
        errorClass: null,
        message: 'HTTP 200',
        httpStatus: 200,
        phases: {
          dnsMs: 0,
          connectMs: latencyMs * 0.25,
          tlsMs: 0,
          ttfbMs: latencyMs * 0.6,
          transferMs: latencyMs * 0.15,
        },
      },
    };
  });
});
const envelope = (v: number, results: unknown) =>
  JSON.stringify({
    v,
    vantage: 'a1',
    agent: { version: '0.1.0', stream: 'bench-a1-stream', startedAt: Date.now() - 60_000 },
    sentAt: Date.now(),
    assignmentRev: null,
    results,
    status: { buffered: 0, dropped: 0, online: true, reason: null },
  });
/** Protocol 1's request, as it was validated: one object per result. */
const ObjectsSyncSchema = AgentSyncRequestSchema.extend({
  v: z.literal(1),
  results: z.array(z.strictObject({ seq: z.int().min(1), result: WireResultSchema })).max(5_000),
});

function work(form: Form): { run: (i: number) => void; bytes: number } {
  if (form === 'sync-objects') {
    const bodies = syncs.map((s) => envelope(1, s));
    return {
      bytes: bodies[0]!.length,
      run: (i) => {
        if (!ObjectsSyncSchema.safeParse(JSON.parse(bodies[i % bodies.length]!)).success) throw new Error('invalid');
      },
    };
  }
  const bodies = syncs.map((s) => envelope(AGENT_PROTOCOL_VERSION, encodeBatch(s)));
  return {
    bytes: bodies[0]!.length,
    run: (i) => {
      const parsed = AgentSyncRequestSchema.safeParse(JSON.parse(bodies[i % bodies.length]!));
      if (!parsed.success) throw new Error('invalid');
      decodeBatch(parsed.data.results);
    },
  };
}

const forms = (process.env.WIRE_FORMS?.split(',') ?? [...FORMS]) as Form[];
for (const form of forms) {
  if (!FORMS.includes(form)) throw new Error(`WIRE_FORMS: unknown form ${form}`);
  const { run, bytes } = work(form);
  for (let i = 0; i < 100; i++) run(i);
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.threadCpuUsage();
    for (let i = 0; i < 300; i++) run(i);
    const c = process.threadCpuUsage(c0);
    rounds.push((c.user + c.system) / (300 * PER_SYNC));
  }
  const median = rounds.sort((a, b) => a - b)[2]!;
  console.log(
    JSON.stringify({
      bench: 'agent-wire',
      form,
      us_per_result: Math.round(median * 1000) / 1000,
      ...(bytes > 0 ? { body_bytes: bytes } : {}),
    }),
  );
}
