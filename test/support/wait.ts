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
