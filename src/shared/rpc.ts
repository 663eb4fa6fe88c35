/**
 * Requests from the board to the engine: queries (history, detail) and actions (acknowledge,
 * approve a failover). One typed table is the contract for every transport: worker messages,
 * Electron IPC (`knockon:rpc`) and the headless server (`GET /api/query/<method>` for queries,
 * `POST /api/action/<method>` with the board token for actions).
 *
 * To add a method: add it here, register its handler in the engine (src/engine/rpc.ts), and
 * list actions in RPC_ACTIONS. Nothing else needs to change.
 */
import type { IncidentView, ProbeResult, SeriesPoint, SeriesRange } from './model.ts';

export interface RpcMethods {
  /** A check's latency/availability series, downsampled to at most `points`. */
  'history.series': { params: { checkId: string; range: SeriesRange; points: number }; result: SeriesPoint[] };
  /** Availability (0..1) of a check over a range; null without data. */
  'history.availability': { params: { checkId: string; range: SeriesRange }; result: number | null };
  /** The latest raw results of a check, newest first (drill-down: phases, errors, DNS answers). */
  'history.recent': { params: { checkId: string; limit: number }; result: ProbeResult[] };
  /** Incidents in a time window, newest first (the board's snapshot holds only recent ones). */
  'incidents.list': { params: { since: number; limit: number }; result: IncidentView[] };
  'incidents.acknowledge': { params: { incidentId: string; by: string; note: string }; result: IncidentView };
  'incidents.silence': { params: { incidentId: string; by: string; forMs: number }; result: IncidentView };
  'failover.approve': { params: { policyId: string; by: string }; result: { ok: boolean; message: string } };
  'failover.reject': { params: { policyId: string; by: string }; result: { ok: boolean; message: string } };
  'failover.start': {
    params: { policyId: string; by: string; reason: string };
    result: { ok: boolean; message: string };
  };
  'failover.failback': { params: { policyId: string; by: string }; result: { ok: boolean; message: string } };
}

export type RpcMethod = keyof RpcMethods;
export type RpcParams<M extends RpcMethod> = RpcMethods[M]['params'];
export type RpcResult<M extends RpcMethod> = RpcMethods[M]['result'];

/** Methods that change state: they need the board token over HTTP and a confirmation in the UI. */
export const RPC_ACTIONS: ReadonlySet<RpcMethod> = new Set<RpcMethod>([
  'incidents.acknowledge',
  'incidents.silence',
  'failover.approve',
  'failover.reject',
  'failover.start',
  'failover.failback',
]);

const METHOD_NAME = /^[a-z]+\.[a-zA-Z]+$/;

export function isRpcMethodName(value: unknown): value is RpcMethod {
  return typeof value === 'string' && METHOD_NAME.test(value);
}
