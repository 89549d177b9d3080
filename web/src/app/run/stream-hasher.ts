// SHA-256 of an output as it streams out, computed off the page's main thread: the main thread reads and
// dispatches slabs and writes the outputs, and a JavaScript hash there (about 220 MB/s) held it up for
// seconds on a large output. Chunks are copied to a worker of their own, which hashes them in order with
// hash-wasm's SHA-256; at most IN_FLIGHT_BYTES of copies wait there at once.
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

const IN_FLIGHT_BYTES = 64 * 1024 * 1024;

/** A StreamHasher over `api` (the worker's, or any object with the same methods, as in tests). */
export function boundedHasher(api: HashWorkerApi, dispose: () => void = () => {}): StreamHasher {
  const inFlight: { done: Promise<void>; bytes: number }[] = [];
  let bytes = 0;
  let failure: unknown;
  return {
    async update(data) {
      if (failure) throw failure;
      const copy = data.slice(); // the sink keeps `data`; the worker gets a copy of its own
      const done = Promise.resolve(api.update(transfer(copy, [copy.buffer]))).catch((e) => {
        failure ??= e;
      });
      inFlight.push({ done, bytes: copy.byteLength });
      bytes += copy.byteLength;
      while (bytes > IN_FLIGHT_BYTES) {
        const oldest = inFlight.shift()!;
        await oldest.done;
        bytes -= oldest.bytes;
      }
      if (failure) throw failure;
    },
    async digest() {
      await Promise.all(inFlight.map((x) => x.done));
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
