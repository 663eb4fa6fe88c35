import { connect, type Socket } from 'node:net';
import type { ObserverShortage, ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { classifyError } from './classify.ts';

type TcpCheck = Extract<ResolvedCheck, { type: 'tcp' }>;

/** Opens a TCP connection and closes it at once: up when the handshake completes in time. */
export function tcpProbe(check: TcpCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const startedAt = Date.now();
  const t0 = performance.now();
  return new Promise<ProbeResult>((resolve) => {
    let socket: Socket | null = null;
    let settled = false;
    const settle = (
      ok: boolean,
      errorClass: ProbeResult['errorClass'],
      message: string,
      shortage?: ObserverShortage,
    ) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve({
        checkId: check.id,
        startedAt,
        ok,
        latencyMs: performance.now() - t0,
        errorClass,
        message,
        ...(shortage ? { shortage } : {}),
      });
    };
    const failWith = (error: unknown) => {
      const { errorClass, message, shortage } = classifyError(error);
      settle(false, errorClass, message, shortage);
    };
    const onAbort = () => settle(false, 'probe_error', 'probe cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => settle(false, 'connect_timeout', `no connection within ${check.timeoutMs} ms`),
      check.timeoutMs,
    );
    try {
      socket = connect({ host: check.host, port: check.port });
    } catch (error) {
      return failWith(error);
    }
    socket.on('error', failWith);
    socket.once('connect', () => settle(true, null, 'connected'));
  });
}
