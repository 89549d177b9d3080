// A Web Worker that stops by itself (close(), a crash, an out-of-memory kill) fires no event the page can
// rely on, so its calls would wait forever. Instead each worker holds a Web Lock named after it for as long
// as it lives; the browser releases a lock when its holder's global scope ends, however it ends, and the
// page's request for the same lock is granted at that moment.

/**
 * In the worker: take the lock `name` and hold it until this worker ends; resolves once it is held. The
 * worker must not answer the page before then: requests from the worker and from the page reach the lock
 * manager by different routes, so only a granted lock is sure to be ahead of the page's request.
 */
export function holdLifeLock(name: string): Promise<void> {
  const locks = navigator.locks;
  if (!locks) return Promise.resolve(); // no Web Locks: the page cannot watch either
  return new Promise((held) => {
    void locks.request(name, () => {
      held();
      return new Promise<never>(() => {});
    });
  });
}

/**
 * In the page: calls `onEnd` when the worker holding `name` ends, unless `signal` aborts first (the page
 * ended it itself). Call it only after the worker has said its lock is held.
 */
export function watchLifeLock(name: string, signal: AbortSignal, onEnd: () => void): void {
  navigator.locks?.request(name, { signal }, () => onEnd()).catch(() => {}); // aborted: nothing to watch
}
