// A Web Worker that stops by itself (close(), a crash, an out-of-memory kill) fires no event the page can
// rely on, so its calls would wait forever. Instead each worker holds a Web Lock named after it for as long
// as it lives; the browser releases a lock when its holder's global scope ends, however it ends, and the
// page's request for the same lock is granted at that moment.

/**
 * In the worker: hold the lock `name` until this worker ends. Resolves once the lock is held: the worker's
 * request and the page's travel by different channels, so only a worker that answers after this can be
 * sure the page's request queues behind its own (else the page may be granted the lock first and take a
 * live worker for dead).
 */
export function holdLifeLock(name: string): Promise<void> {
  return new Promise<void>((held) => {
    if (!navigator.locks) return held();
    void navigator.locks.request(name, () => {
      held();
      return new Promise<never>(() => {});
    });
  });
}

/**
 * In the page: calls `onEnd` when the worker holding `name` ends, unless `signal` aborts first (the page
 * ended it itself). Must be called after the worker holds its lock (after its first answer).
 */
export function watchLifeLock(name: string, signal: AbortSignal, onEnd: () => void): void {
  navigator.locks?.request(name, { signal }, () => onEnd()).catch(() => {}); // aborted: nothing to watch
}
