// A ByteSink that computes the SHA-256 of everything written through it, as it streams to the real sink,
// so the results can show each output's hash without reading the file back.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ByteSink } from '../../core/byte-source.ts';

export interface HashingSink extends ByteSink {
  /** hex digest; only meaningful after commit() */
  sha256Hex(): string;
}

export function hashingSink(inner: ByteSink): HashingSink {
  const hash = sha256.create();
  let hex: string | undefined;
  return {
    async write(data) {
      hash.update(data); // before the write: the sink may take ownership of the buffer
      await inner.write(data);
    },
    async commit() {
      await inner.commit();
      hex = bytesToHex(hash.digest());
    },
    abort: () => inner.abort(),
    sha256Hex() {
      if (hex === undefined) throw new Error('the output was not committed');
      return hex;
    },
  };
}
