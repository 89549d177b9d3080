// The app's file hashing without a Web Worker (Node has none): hash-wasm in this thread behind the same
// interface the hash worker offers, and the app's bounded hasher over it. Tests compare its answers with
// node:crypto's, an implementation of its own.
import { createSHA256 } from 'hash-wasm';
import { boundedHasher } from '../../web/src/app/run/stream-hasher.ts';
import type { HashWorkerApi } from '../../web/src/app/run/hash-worker.ts';
import { blobSha256 } from '../../web/src/app/model/file-sha256.ts';

/** What the hash worker answers, answered in this thread. */
export function inThreadHashApi(): HashWorkerApi {
  const hasher = createSHA256().then((h) => h.init());
  return {
    async update(data: Uint8Array) {
      (await hasher).update(data);
      return data; // as the worker does: the buffer goes back for reuse
    },
    async digest() {
      return (await hasher).digest('hex');
    },
  };
}

export async function inThreadSha256(blob: Blob): Promise<string> {
  return blobSha256(blob, boundedHasher(inThreadHashApi()));
}
