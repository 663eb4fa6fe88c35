import type { Socket } from 'node:net';
import type { ErrorClass, ProbeResult } from '../../shared/model.ts';
import { classifyError } from './classify.ts';
import { ProbeStopwatch } from './stopwatch.ts';

/** Ends a socket probe with its verdict; only the first call counts. */
export type Settle = (
  ok: boolean,
  errorClass: ErrorClass | null,
  message: string,
  extra?: Partial<ProbeResult>,
) => void;

/**
 * The frame of a probe that opens one socket and judges it (tcp, tls): it ends once, on the
 * probe's own verdict, a socket error (classified), the check's timeout or the engine's cancel,
 * and always closes the socket and clears its timer. `open` makes the socket (it may throw) and
 * calls `settle` from the socket's events.
 */
export function socketProbe(
  check: { id: string; timeoutMs: number },
  signal: AbortSignal | undefined,
  timeout: { errorClass: ErrorClass; message: string },
  open: (settle: Settle) => Socket,
): Promise<ProbeResult> {
  const watch = new ProbeStopwatch(check.id);
  return new Promise<ProbeResult>((resolve) => {
    let socket: Socket | null = null;
    let settled = false;
    const settle: Settle = (ok, errorClass, message, extra) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(watch.result(ok, errorClass, message, extra));
    };
    const failWith = (error: unknown) => {
      const { errorClass, message, shortage } = classifyError(error);
      settle(false, errorClass, message, shortage ? { shortage } : undefined);
    };
    const onAbort = () => settle(false, 'probe_error', 'probe cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => settle(false, timeout.errorClass, timeout.message), check.timeoutMs);
    try {
      socket = open(settle);
    } catch (error) {
      failWith(error);
      return;
    }
    socket.on('error', failWith);
  });
}
