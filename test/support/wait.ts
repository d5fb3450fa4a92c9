// The one place tests let time pass. A test never sleeps for a fixed time hoping something happened
// meanwhile (ESLint forbids setTimeout, timers/promises and waitForTimeout in tests, except here): it
// waits for the thing itself, an event, a promise or a condition polled until a deadline, or it
// moves an injected clock.

/** Polls `fn` until it returns a truthy value (returned); throws after timeoutMs, naming `what`. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs: number, what = "condition", intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * `promise`, unless timeoutMs pass first: then what `onTimeout` returns (or throws). A bound on a
 * wait for an event, never a wait in itself.
 */
export async function withDeadline<T, U>(promise: Promise<T>, timeoutMs: number, onTimeout: () => U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise and the function that settles it: a barrier one side opens when it reached a point. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
