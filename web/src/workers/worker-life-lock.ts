// A Web Worker that stops by itself (close(), a crash, an out-of-memory kill) fires no event the page can
// rely on, so its calls would wait forever. Instead each worker holds a Web Lock named after it for as long
// as it lives; the browser releases a lock when its holder's global scope ends, however it ends, and the
// page's request for the same lock is granted at that moment.

/** What a worker posts once it holds its life lock (comlink ignores messages without an id). */
export const LIFE_LOCK_HELD = Object.freeze({ quantsmithLifeLock: 'held' });

export const isLifeLockHeld = (data: unknown): boolean =>
  typeof data === 'object' && data !== null && (data as { quantsmithLifeLock?: unknown }).quantsmithLifeLock === 'held';

/**
 * In the worker: hold the lock `name` until this worker ends; `onHeld` runs once it is held. The worker's
 * request and the page's travel by different channels, so the page must start watching only after
 * `onHeld` (else its request may be granted first and take a live worker for dead).
 */
export function holdLifeLock(name: string, onHeld: () => void): void {
  if (!navigator.locks) return;
  void navigator.locks.request(name, () => {
    onHeld();
    return new Promise<never>(() => {});
  });
}

/**
 * In the page: calls `onEnd` when the worker holding `name` ends, unless `signal` aborts first (the page
 * ended it itself). Call it when the worker says it holds its lock (LIFE_LOCK_HELD).
 */
export function watchLifeLock(name: string, signal: AbortSignal, onEnd: () => void): void {
  navigator.locks?.request(name, { signal }, () => onEnd()).catch(() => {}); // aborted: nothing to watch
}
