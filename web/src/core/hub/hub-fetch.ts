// fetch with the Hub's manners: bounded retries with exponential backoff for dropped connections and
// 5xx answers, Retry-After honoured on 429 and 503, and an abort signal that stops waiting at once.
import { CancelledError, QuantsmithError } from '../errors.ts';

export interface RetryPolicy {
  /** attempts in all, the first included */
  readonly attempts: number;
  /** first backoff in ms; doubles each retry */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** a Retry-After longer than this fails the request instead of waiting */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 120_000 };

const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);

export function backoffMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface HubFetchOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly retry?: RetryPolicy;
  /** what is being fetched, for the final message: "org/name@main/model.safetensors" */
  readonly what: string;
  /** "read" (the default) or "upload", for the final message */
  readonly verb?: string;
  /** told of each retry and why (progress shows it) */
  readonly onRetry?: (reason: string, delayMs: number) => void;
}

/** Network-level failure (the connection dropped, refused, reset) rather than an HTTP answer. */
export function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof Error && /ECONNRESET|ECONNREFUSED|EPIPE|socket|terminated|network/i.test(`${e.message} ${(e as { cause?: Error }).cause?.message ?? ''}`));
}

/**
 * The response once it is not a retryable failure: a 2xx, or a 4xx the caller turns into a message.
 * Retryable failures that persist end in a QuantsmithError naming `what`.
 */
export async function hubFetch(url: string, init: RequestInit, options: HubFetchOptions): Promise<Response> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const doFetch = options.fetch ?? fetch;
  // the caller's own signal (the library aborts its parallel uploads with one) and ours both count
  const own = init.signal ?? undefined;
  const signal = own && options.signal ? AbortSignal.any([own, options.signal]) : (own ?? options.signal);
  let last = '';
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (signal?.aborted) throw new CancelledError();
    let delay: number;
    try {
      const res = await doFetch(url, { ...init, signal });
      if (!RETRIED_STATUS.has(res.status)) return res;
      await res.body?.cancel().catch(() => {});
      const asked = retryAfterMs(res.headers.get('Retry-After'));
      if (asked !== undefined && asked > policy.maxRetryAfterMs) {
        throw new QuantsmithError(`the Hub asked to wait ${Math.round(asked / 1000)} s before it would ${options.verb ?? 'read'} ${options.what} (HTTP ${res.status}); try again later`);
      }
      last = `HTTP ${res.status}`;
      delay = asked ?? backoffMs(policy, attempt);
    } catch (e) {
      if (signal?.aborted) throw new CancelledError();
      if (!isNetworkError(e)) throw e;
      last = 'the connection failed';
      delay = backoffMs(policy, attempt);
    }
    if (attempt + 1 < policy.attempts) {
      options.onRetry?.(last, delay);
      await sleep(delay, signal);
    }
  }
  throw new QuantsmithError(`could not ${options.verb ?? 'read'} ${options.what}: ${last} after ${policy.attempts} attempts`);
}
