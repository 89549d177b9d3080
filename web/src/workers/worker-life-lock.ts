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

/** How long a new worker may take to take its life lock before the page gives up on it. */
const START_DEADLINE_MS = 30_000;
const POLL_MS = 200;

/**
 * In the page, while the worker holding `name` starts (before its first answer): rejects with
 * `ended()`'s error when the worker ends in that time (its lock request was there, then went), or when it
 * has not asked for the lock within START_DEADLINE_MS; otherwise never settles. Stops when `signal` aborts.
 * (watchLifeLock cannot cover this time: its request could be granted before the worker's own.)
 */
export function watchStart(name: string, signal: AbortSignal, ended: (why: string) => Error): Promise<never> {
  const locks = navigator.locks;
  return new Promise<never>((_, reject) => {
    if (!locks) return;
    const started = Date.now();
    let seen = false;
    const poll = async () => {
      if (signal.aborted) return;
      const state = await locks.query().catch(() => undefined);
      if (signal.aborted) return;
      // requested (pending) counts too: a worker that ends before its request is granted drops it
      const present = [...(state?.held ?? []), ...(state?.pending ?? [])].some((l) => l.name === name);
      if (present) seen = true;
      if (seen && !present) return reject(ended('the worker ended while starting'));
      if (!seen && Date.now() - started > START_DEADLINE_MS) return reject(ended(`the worker did not start within ${START_DEADLINE_MS / 1000} s`));
      setTimeout(poll, POLL_MS);
    };
    void poll();
  });
}
