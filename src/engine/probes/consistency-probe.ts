/**
 * Cache synchronisation: reads one key from every node (Redis or memcached) at once and judges
 * their agreement over time. Values are compared by digest and only digests are reported: a
 * cached value may be private.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_PORTS } from '../../shared/config/data-common.ts';
import type { NodeReading, ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { judgeAgreement } from './agreement.ts';
import { classifyDataError } from './data-classify.ts';
import { runDataProbe, type DataSession } from './data-session.ts';
import { memcachedGet } from './memcached-get.ts';
import { connectRedis } from './redis-probe.ts';

type ConsistencyCheck = Extract<ResolvedCheck, { type: 'consistency' }>;
type Node = ConsistencyCheck['nodes'][number];

/**
 * Since when each check's nodes disagree: the one piece of state a probe keeps between probes.
 * An entry is dropped as soon as the nodes agree again.
 */
const disagreements = new Map<string, number>();

/**
 * After a restart: the disagreement's start as the store last had it (the restored result), so
 * its clock does not begin again and a long disagreement is not hidden for another bound.
 */
export function rememberDisagreement(checkId: string, since: unknown): void {
  // Read back from a stored row: only a real time counts, never a null, a string or NaN.
  if (typeof since === 'number' && Number.isFinite(since) && !disagreements.has(checkId))
    disagreements.set(checkId, since);
}

function digest(value: Buffer | string | null): string | null {
  if (value === null) return null;
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

function nodeName(node: Node): string {
  const port = node.port ?? DEFAULT_PORTS[node.kind];
  return node.name ?? `${node.host}:${port}`;
}

async function read(session: DataSession, node: Node, key: string): Promise<NodeReading> {
  const name = nodeName(node);
  try {
    const value =
      node.kind === 'redis'
        ? await (await connectRedis(session, node, `nodes[${name}].password_env`)).getBuffer(key)
        : await memcachedGet(session, node.host, node.port ?? DEFAULT_PORTS.memcached, key);
    return { node: name, digest: digest(value), errorClass: null, message: value === null ? 'missing' : 'read' };
  } catch (error) {
    const { errorClass, message } = classifyDataError(error);
    return { node: name, digest: null, errorClass, message };
  }
}

export function consistencyProbe(
  check: ConsistencyCheck,
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<ProbeResult> {
  return runDataProbe(check, signal, async (session) => {
    const readings = await Promise.all(check.nodes.map((node) => read(session, node, check.key)));
    const { outcome, disagreeSince } = judgeAgreement({
      readings,
      disagreeSince: disagreements.get(check.id) ?? null,
      now: now(),
      maxDisagreementMs: check.max_disagreement,
      missingOk: check.missing_ok,
    });
    if (disagreeSince === null) disagreements.delete(check.id);
    else disagreements.set(check.id, disagreeSince);
    return outcome;
  });
}
