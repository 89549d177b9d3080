// SHA-256 of an output as it streams out, computed off the page's main thread: the main thread reads and
// dispatches slabs and writes the outputs, and a JavaScript hash there (about 220 MB/s) held it up for
// seconds on a large output. Chunks are copied to a worker of their own, which hashes them in order with
// hash-wasm's SHA-256. The copies live in a few buffers of CHUNK_BYTES that go to the worker and come back
// (transferred, never copied): at most IN_FLIGHT of them at once, and no buffer per chunk left to the
// garbage collector.
import { wrap, transfer, releaseProxy } from 'comlink';
import type { HashWorkerApi } from './hash-worker.ts';

export interface StreamHasher {
  /** hash `data` after everything given before; resolves once the hasher can take more */
  update(data: Uint8Array): Promise<void>;
  /** hex digest of everything given; the hasher is finished afterwards */
  digest(): Promise<string>;
  /** stop without a digest */
  dispose(): void;
}

/** bytes per message to the worker (the app's outputs are written in pieces of about 4 MiB) */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** chunks handed to the worker and not yet hashed, at most */
export const IN_FLIGHT = 4;

/** A StreamHasher over `api` (the worker's, or any object with the same methods, as in tests). */
export function boundedHasher(api: HashWorkerApi, dispose: () => void = () => {}): StreamHasher {
  const inFlight: Promise<void>[] = [];
  const spare: ArrayBuffer[] = [];
  let failure: unknown;
  const send = (part: Uint8Array) => {
    const buffer = spare.pop() ?? new ArrayBuffer(CHUNK_BYTES);
    const copy = new Uint8Array(buffer, 0, part.byteLength);
    copy.set(part); // the sink keeps `data`; the worker gets a copy of its own
    inFlight.push(Promise.resolve(api.update(transfer(copy, [buffer]))).then(
      (back) => {
        if (back && back.buffer.byteLength === CHUNK_BYTES) spare.push(back.buffer as ArrayBuffer);
      },
      (e) => {
        failure ??= e;
      },
    ));
  };
  return {
    async update(data) {
      for (let at = 0; at < data.byteLength; at += CHUNK_BYTES) {
        while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
        if (failure) throw failure;
        send(data.subarray(at, at + CHUNK_BYTES));
      }
      if (failure) throw failure;
    },
    async digest() {
      await Promise.all(inFlight);
      if (failure) throw failure;
      try {
        return await api.digest();
      } finally {
        dispose();
      }
    },
    dispose,
  };
}

/** A StreamHasher on a Web Worker of its own. */
export function workerSha256(): StreamHasher {
  const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module', name: 'quantsmith-sha256' });
  const api = wrap<HashWorkerApi>(worker);
  // comlink's Remote<> has the same methods, typed with its proxy markers
  return boundedHasher(api as unknown as HashWorkerApi, () => {
    api[releaseProxy]();
    worker.terminate();
  });
}
