// The app's file hashing without a Web Worker (Node has none): the same bounded hasher over hash-wasm in
// this thread. Tests compare its answers with node:crypto's, an implementation of its own.
import { createSHA256 } from 'hash-wasm';
import { boundedHasher } from '../../web/src/app/run/stream-hasher.ts';
import { blobSha256 } from '../../web/src/app/model/file-sha256.ts';

export async function inThreadSha256(blob: Blob): Promise<string> {
  const h = (await createSHA256()).init();
  return blobSha256(blob, boundedHasher({ async update(d) { h.update(d); }, async digest() { return h.digest('hex'); } }));
}
