/**
 * Waits for an event-driven condition, bounded: `subscribe` registers a callback that is
 * called whenever something changes; resolves when `check` returns a value.
 */
export function waitFor<T>(
  subscribe: (onChange: () => void) => () => void,
  check: () => T | undefined | null | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe: () => void = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const test = () => {
      const value = check();
      if (value !== undefined && value !== null && value !== false) {
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
        return true;
      }
      return false;
    };
    unsubscribe = subscribe(() => void test());
    test();
  });
}

/**
 * Change notifications for an engine built in a test: `notify` goes where the engine emits its
 * messages, and `until` waits for a condition re-tested on every one.
 */
export class Changes {
  private readonly listeners = new Set<() => void>();
  readonly notify = (): void => this.listeners.forEach((listener) => listener());

  until<T>(what: string, test: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    return waitFor(
      (onChange) => {
        this.listeners.add(onChange);
        return () => this.listeners.delete(onChange);
      },
      test,
      what,
      timeoutMs,
    );
  }
}
