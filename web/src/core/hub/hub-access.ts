// How to reach a Hub: the endpoint (huggingface.co or a mirror), the token, and the fetch to use.
// Every request the library or our range reader makes goes through `hubRequests`, which retries politely
// and turns the Hub's refusals into messages.
import { QuantsmithError } from '../errors.ts';
import { DEFAULT_HUB_ENDPOINT } from './hub-ref.ts';
import { hubHttpError, type HubErrorContext } from './hub-errors.ts';
import { hubFetch, type RetryPolicy } from './hub-fetch.ts';
import type { TransferMeter } from './transfer-meter.ts';

export interface HubAccess {
  /** normalized: no trailing slash */
  readonly endpoint: string;
  readonly token?: string;
  /** how this front end takes a token, for messages: "set HF_TOKEN or run huggingface-cli login" */
  readonly tokenHint: string;
  readonly fetch?: typeof fetch;
  /** aborts every request; a function for a source that outlives one run (the app binds each run's signal) */
  readonly signal?: SignalSource;
  readonly retry?: RetryPolicy;
  readonly meter?: TransferMeter;
  readonly blockBytes?: number;
  readonly onRetry?: (reason: string, delayMs: number) => void;
}

export type SignalSource = AbortSignal | (() => AbortSignal | undefined);

export function signalOf(s: SignalSource | undefined): AbortSignal | undefined {
  return typeof s === 'function' ? s() : s;
}

/** An endpoint as huggingface_hub takes HF_ENDPOINT: an http(s) URL, trailing slashes dropped. */
export function normalizeEndpoint(endpoint: string | undefined): string {
  const value = (endpoint ?? '').trim() || DEFAULT_HUB_ENDPOINT;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new QuantsmithError(`the Hub endpoint '${value}' is not a URL (expected something like ${DEFAULT_HUB_ENDPOINT})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new QuantsmithError(`the Hub endpoint '${value}' must be an http(s) URL`);
  if (url.username || url.password || url.search || url.hash) throw new QuantsmithError(`the Hub endpoint '${url.origin}…' must be a plain address, without credentials or a query`);
  return value.replace(/\/+$/, '');
}

/** A token as the Hub issues them; checked before use so a pasted typo gets a message, not a refusal. */
export function checkToken(token: string | undefined): string | undefined {
  const t = token?.trim();
  if (!t) return undefined;
  if (!/^hf_[A-Za-z0-9_-]+$/.test(t)) throw new QuantsmithError('that is not a Hugging Face access token (they start with hf_ and hold only letters, digits and _)');
  return t;
}

export function authHeaders(access: HubAccess): Record<string, string> {
  return access.token ? { Authorization: `Bearer ${access.token}` } : {};
}

export function errorContext(access: HubAccess, repo: string, revision?: string, path?: string, writing = false): HubErrorContext {
  return { endpoint: access.endpoint, repo, revision, path, withToken: Boolean(access.token), tokenHint: access.tokenHint, writing };
}

/** A fetch for @huggingface/hub: retries like ours, and a refusal becomes our one-line message. */
export function hubRequests(access: HubAccess, ctx: HubErrorContext): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const res = await hubFetch(url, init ?? {}, {
      fetch: access.fetch,
      signal: signalOf(access.signal),
      retry: access.retry,
      what: `${ctx.path ? `${ctx.repo}/${ctx.path}` : ctx.repo} on ${access.endpoint}`,
      verb: ctx.writing ? 'upload to' : 'read',
      onRetry: access.onRetry,
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw hubHttpError(res.status, res.headers.get('X-Error-Code'), ctx);
    }
    return res;
  }) as typeof fetch;
}
