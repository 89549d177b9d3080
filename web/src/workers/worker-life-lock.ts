// A Web Worker that stops by itself (close(), a crash, an out-of-memory kill) fires no event the page can
// rely on, so its calls would wait forever. Instead each worker holds a Web Lock named after it for as long
// as it lives; the browser releases a lock when its holder's global scope ends, however it ends, and the
// page's request for the same lock is granted at that moment.

/** In the worker: hold the lock `name` until this worker ends. Requested before anything else, so it is first in line. */
export function holdLifeLock(name: string): void {
  void navigator.locks?.request(name, () => new Promise<never>(() => {}));
}

/**
 * In the page: calls `onEnd` when the worker holding `name` ends, unless `signal` aborts first (the page
 * ended it itself). Must be called after the worker has made its own request (after its first answer).
 */
export function watchLifeLock(name: string, signal: AbortSignal, onEnd: () => void): void {
  navigator.locks?.request(name, { signal }, () => onEnd()).catch(() => {}); // aborted: nothing to watch
}
