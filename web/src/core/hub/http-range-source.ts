// A ByteSource over HTTP: bytes are fetched with Range requests in blocks when the engine reads them (plus
// one block of read-ahead while reads are sequential), so memory stays bounded whatever the file size.
// A connection dropped mid-body resumes from the last byte received; a file whose ETag or commit changes
// between requests stops the job instead of mixing two versions; an abort stops every request at once.
import type { ByteSource, ReadHint } from '../byte-source.ts';
import { CancelledError, QuantsmithError } from '../errors.ts';
import { backoffMs, DEFAULT_RETRY, hubFetch, isNetworkError, sleep, type RetryPolicy } from './hub-fetch.ts';
import { ReadAheadBudget, type BudgetEntry } from './read-ahead-budget.ts';
import type { TransferMeter } from './transfer-meter.ts';
import { signalOf, type SignalSource } from './hub-access.ts';

/** the most one request asks for while reads are sequential */
export const DEFAULT_BLOCK_BYTES = 4 * 1024 * 1024;
/** what a read at a new position asks for at least: a header's small reads cost one request */
const FIRST_REQUEST_BYTES = 64 * 1024;
/** blocks in flight ahead of a reader that said how far it goes (a tensor): enough to cover a round trip */
const HINTED_DEPTH = 3;

export interface HttpRangeSourceOptions {
  /** where the file is read: the `resolve` URL pinned to a commit */
  readonly url: string;
  readonly name: string;
  /** the size the listing gave; every response must agree */
  readonly size: number;
  /** what messages call the file: "org/name@commit/model.safetensors" */
  readonly what: string;
  /** sent to `url`'s origin only (the token); never to the host a redirect leads to */
  readonly headers?: Record<string, string>;
  /** the commit the job is pinned to: an X-Repo-Commit that differs stops the job */
  readonly commit?: string;
  readonly fetch?: typeof fetch;
  /** read when each request starts: a source opened once can serve several runs, each with its own cancel */
  readonly signal?: SignalSource;
  readonly retry?: RetryPolicy;
  readonly blockBytes?: number;
  /** shared by the files of one job; one of its own otherwise */
  readonly budget?: ReadAheadBudget;
  readonly meter?: TransferMeter;
  /** a 4xx answer as the message to show (401, 403, 404 …) */
  readonly errorFor: (status: number, errorCode: string | null) => Error;
  readonly onRetry?: (reason: string, delayMs: number) => void;
}

interface Segment extends BudgetEntry {
  readonly start: number;
  readonly end: number;
  readonly data: Promise<Uint8Array>;
}

export class HttpRangeSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  private readonly blockBytes: number;
  private readonly budget: ReadAheadBudget;
  private segments: Segment[] = [];
  private readonly closer = new AbortController();
  private etag: string | undefined;
  /** the redirect target of the first request (the CDN), asked directly afterwards, without the token */
  private direct: string | undefined;
  private lastEnd = -1;
  /** sequential reads in a row: each asks for twice as much, up to blockBytes (like an OS read-ahead) */
  private streak = 0;

  constructor(private readonly options: HttpRangeSourceOptions) {
    this.name = options.name;
    this.size = options.size;
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    this.budget = options.budget ?? new ReadAheadBudget((HINTED_DEPTH + 2) * this.blockBytes);
  }

  async read(offset: number, length: number, hint?: ReadHint): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new QuantsmithError(`${this.name}: read of ${length} bytes past the end of the file (${this.size} bytes)`, offset);
    }
    if (this.signal().aborted) throw new CancelledError();
    const out = new Uint8Array(length);
    if (length === 0) return out;
    const end = offset + length;
    this.streak = offset === this.lastEnd ? this.streak + 1 : 0;
    this.lastEnd = end;
    const want = Math.min(this.blockBytes, FIRST_REQUEST_BYTES * 2 ** Math.min(this.streak, 16));
    // a reader that says where it stops gets blocks ahead up to there, and nothing past it
    const until = hint?.until !== undefined ? Math.min(this.size, Math.max(end, hint.until)) : undefined;
    const used: Segment[] = [];
    try {
      // first every piece this read needs is asked for, then what lies ahead, then the pieces are awaited:
      // read-ahead never competes with (or pushes out) the bytes wanted now
      for (let pos = offset; pos < end; ) {
        let seg = this.segments.find((s) => s.start <= pos && pos < s.end);
        if (!seg) {
          const next = Math.min(...this.segments.filter((s) => s.start > pos).map((s) => s.start));
          seg = this.addSegment(pos, Math.min(this.size, until ?? Infinity, Math.max(end, pos + want), next));
        }
        seg.pins++;
        used.push(seg);
        this.budget.touch(seg);
        pos = seg.end;
      }
      if (until !== undefined) this.prefetchUntil(end, until);
      else if (used.length > 1 || this.streak > 0) this.prefetch(used[used.length - 1].end, want);
      for (const seg of used) {
        const bytes = await seg.data;
        const from = Math.max(offset, seg.start);
        const to = Math.min(end, seg.end);
        out.set(bytes.subarray(from - seg.start, to - seg.start), from - offset);
      }
    } finally {
      for (const seg of used) seg.pins--;
    }
    // what lies wholly behind a sequential read is not needed again (what it used may be: a header reader
    // moves back into its last window); reads that jump (tensors in another order than the file's, several
    // streams at once) leave the pieces to the budget's least-recently-used order
    if (this.streak > 0) for (const seg of [...this.segments]) if (seg.end <= offset) this.drop(seg);
    this.budget.trim();
    return out;
  }

  async close(): Promise<void> {
    this.closer.abort();
    for (const seg of [...this.segments]) this.drop(seg);
  }

  /** up to HINTED_DEPTH blocks from `from`, none past `until` */
  private prefetchUntil(from: number, until: number): void {
    let at = from;
    for (let k = 0; k < HINTED_DEPTH && at < until; k++) {
      const covering = this.segments.find((s) => s.start <= at && at < s.end);
      if (covering) {
        at = covering.end;
        continue;
      }
      const next = Math.min(...this.segments.filter((s) => s.start > at).map((s) => s.start));
      const to = Math.min(until, at + this.blockBytes, next);
      // read-ahead never pushes out what is already fetched: it waits for room
      if (!this.budget.hasRoom(to - at)) return;
      at = this.addSegment(at, to).end;
    }
  }

  private prefetch(from: number, want: number): void {
    if (from >= this.size || this.segments.some((s) => s.start <= from && from < s.end)) return;
    const next = Math.min(...this.segments.filter((s) => s.start > from).map((s) => s.start));
    const to = Math.min(this.size, from + Math.max(want, 1), next);
    if (this.budget.hasRoom(to - from)) this.addSegment(from, to);
  }

  /** the source's own (closed) and the current run's, together */
  private signal(): AbortSignal {
    const run = signalOf(this.options.signal);
    return run ? AbortSignal.any([run, this.closer.signal]) : this.closer.signal;
  }

  private addSegment(start: number, end: number): Segment {
    const data = this.fetchRange(start, end, this.signal());
    // a prefetched piece nobody reads must not be an unhandled rejection; a cancelled one is asked again next run
    data.catch((e) => {
      if (e instanceof CancelledError) this.drop(seg, true);
    });
    const seg: Segment = { start, end, data, bytes: end - start, pins: 0, evict: () => this.forget(seg), isAhead: () => seg.start >= this.lastEnd };
    this.segments.push(seg);
    this.budget.add(seg);
    return seg;
  }

  private forget(seg: Segment): void {
    this.segments = this.segments.filter((s) => s !== seg);
  }

  private drop(seg: Segment, evenIfPinned = false): void {
    if (seg.pins > 0 && !evenIfPinned) return;
    this.forget(seg);
    this.budget.remove(seg);
  }

  /** Bytes [start, end), resuming after drops from the last byte received. */
  private async fetchRange(start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
    const o = this.options;
    const policy = o.retry ?? DEFAULT_RETRY;
    const buf = new Uint8Array(end - start);
    let got = 0;
    let drops = 0;
    while (got < buf.length) {
      const res = await this.request(start + got, end - 1, signal);
      if (res.status !== 206 && !(res.status === 200 && start + got === 0 && end === this.size)) {
        await res.body?.cancel().catch(() => {});
        if (res.status === 200) throw new QuantsmithError(`${o.what}: the server does not answer range requests`);
        if (res.status === 416) throw this.changed('it is shorter than the listing says');
        throw o.errorFor(res.status, res.headers.get('X-Error-Code'));
      }
      this.checkSameVersion(res, start + got);
      const before = got;
      try {
        const reader = res.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const n = Math.min(value.length, buf.length - got);
          buf.set(value.subarray(0, n), got);
          got += n;
          o.meter?.add(n);
          // more than asked for: stop the body (a complete one is read to its end, which keeps the connection)
          if (n < value.length) {
            await reader.cancel().catch(() => {});
            break;
          }
        }
      } catch (e) {
        if (signal.aborted) throw new CancelledError();
        if (!isNetworkError(e)) throw e;
      }
      if (got === buf.length) break;
      // the body ended early: resume where it stopped; bounded, and reset whenever bytes arrived
      drops = got > before ? 1 : drops + 1;
      if (drops >= policy.attempts) {
        throw new QuantsmithError(`could not read ${o.what}: the connection kept dropping at byte ${start + got} (${policy.attempts} attempts)`);
      }
      const delay = backoffMs(policy, drops - 1);
      o.onRetry?.('the connection dropped', delay);
      await sleep(delay, signal);
    }
    return buf;
  }

  private async request(first: number, last: number, signal: AbortSignal): Promise<Response> {
    const o = this.options;
    const range = `bytes=${first}-${last}`;
    const common = { fetch: o.fetch, signal, retry: o.retry, what: o.what, onRetry: o.onRetry };
    if (this.direct) {
      const res = await hubFetch(this.direct, { headers: { Range: range } }, common);
      // a signed CDN link expires: go back to the Hub for a fresh one
      if (res.status !== 401 && res.status !== 403 && res.status !== 410) return res;
      await res.body?.cancel().catch(() => {});
      this.direct = undefined;
    }
    const res = await hubFetch(o.url, { headers: { ...o.headers, Range: range } }, common);
    if (res.redirected && res.url && new URL(res.url).origin !== new URL(o.url).origin) this.direct = res.url;
    return res;
  }

  private checkSameVersion(res: Response, first: number): void {
    const o = this.options;
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '');
    if (res.status === 206) {
      if (!range || Number(range[1]) !== first) throw new QuantsmithError(`${o.what}: the server answered another byte range than the one asked for`);
      if (Number(range[3]) !== this.size) throw this.changed(`it now has ${range[3]} bytes, the listing said ${this.size}`);
    }
    const commit = res.headers.get('X-Repo-Commit');
    if (o.commit && commit && commit !== o.commit) throw this.changed(`commit ${commit.slice(0, 12)} instead of ${o.commit.slice(0, 12)}`);
    const etag = res.headers.get('ETag')?.replace(/^W\//, '');
    if (!etag) return;
    if (this.etag === undefined) this.etag = etag;
    else if (etag !== this.etag) throw this.changed(`ETag ${etag} instead of ${this.etag}`);
  }

  private changed(detail: string): QuantsmithError {
    return new QuantsmithError(`${this.options.what} changed on the Hub while it was being read (${detail}); nothing was written, start again`);
  }
}
