// A ByteSink that computes the SHA-256 of everything written through it, as it streams to the real sink,
// so the results can show each output's hash without reading the file back. The hashing itself happens
// off the main thread (stream-hasher.ts).
import type { ByteSink } from '../../core/byte-source.ts';
import { workerSha256, type StreamHasher } from './stream-hasher.ts';

export interface HashingSink extends ByteSink {
  /** hex digest; only meaningful after commit() */
  sha256Hex(): string;
}

export function hashingSink(inner: ByteSink, hasher: StreamHasher = workerSha256()): HashingSink {
  let hex: string | undefined;
  return {
    async write(data) {
      await hasher.update(data); // copies `data` first: the sink may take ownership of the buffer
      await inner.write(data);
    },
    async commit() {
      const digest = hasher.digest();
      digest.catch(() => {}); // awaited below, unless the commit fails first
      await inner.commit();
      hex = await digest;
    },
    async abort() {
      hasher.dispose();
      await inner.abort();
    },
    sha256Hex() {
      if (hex === undefined) throw new Error('the output was not committed');
      return hex;
    },
  };
}
