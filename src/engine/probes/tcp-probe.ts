import { connect, type Socket } from 'node:net';
import type { ProbeResult } from '../../shared/model.ts';
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
    const settle = (ok: boolean, errorClass: ProbeResult['errorClass'], message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve({ checkId: check.id, startedAt, ok, latencyMs: performance.now() - t0, errorClass, message });
    };
    const onAbort = () => settle(false, 'probe_error', 'probe cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => settle(false, 'connect_timeout', `no connection within ${check.timeoutMs} ms`),
      check.timeoutMs,
    );
    socket = connect({ host: check.host, port: check.port });
    socket.on('error', (error) => {
      const { errorClass, message } = classifyError(error);
      settle(false, errorClass, message);
    });
    socket.once('connect', () => settle(true, null, 'connected'));
  });
}
