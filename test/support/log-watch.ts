import { waitFor } from './wait.ts';

/** The line the engine logs once its heartbeat listener is up. */
export const LISTENER_LINE = /heartbeat listener on (http:\/\/127\.0\.0\.1:\d+)/;

/** Collects an engine host's log lines and waits for one to appear (a listener's address, say). */
export class LogWatch {
  readonly lines: string[] = [];
  private readonly listeners = new Set<() => void>();
  readonly log = (_level: string, message: string): void => {
    this.lines.push(message);
    for (const l of this.listeners) l();
  };

  /** Resolves with the first capture group of the first line matching `pattern`. */
  match(pattern: RegExp, what: string): Promise<string> {
    return waitFor(
      (onChange) => {
        this.listeners.add(onChange);
        return () => this.listeners.delete(onChange);
      },
      () => this.lines.map((l) => pattern.exec(l)?.[1]).find(Boolean),
      what,
    );
  }
}
