import { connect } from 'node:net';
import type { ProbeResult } from '../../shared/model.ts';
import type { ResolvedCheck } from '../checks.ts';
import { socketProbe } from './socket-probe.ts';

type TcpCheck = Extract<ResolvedCheck, { type: 'tcp' }>;

/** Opens a TCP connection and closes it at once: up when the handshake completes in time. */
export function tcpProbe(check: TcpCheck, signal?: AbortSignal): Promise<ProbeResult> {
  const timeout = { errorClass: 'connect_timeout', message: `no connection within ${check.timeoutMs} ms` } as const;
  return socketProbe(check, signal, timeout, (settle) => {
    const socket = connect({ host: check.host, port: check.port });
    socket.once('connect', () => settle(true, null, 'connected'));
    return socket;
  });
}
