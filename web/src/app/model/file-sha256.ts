// The SHA-256 of a file the user opens beside the model (an importance matrix, a tensor type file), so a
// preset can name that very file. It streams through the same off-main-thread hasher as the outputs: an
// importance matrix of a large model is hundreds of megabytes.
import { workerSha256, type StreamHasher } from '../run/stream-hasher.ts';

const SLICE_BYTES = 8 * 1024 * 1024;

/** hex SHA-256 of `blob`, read in slices (never whole in memory) */
export async function blobSha256(blob: Blob, hasher: StreamHasher = workerSha256()): Promise<string> {
  try {
    for (let at = 0; at < blob.size; at += SLICE_BYTES) {
      await hasher.update(new Uint8Array(await blob.slice(at, Math.min(blob.size, at + SLICE_BYTES)).arrayBuffer()));
    }
    return await hasher.digest();
  } catch (err) {
    hasher.dispose();
    throw err;
  }
}
