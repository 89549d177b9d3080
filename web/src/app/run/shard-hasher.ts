// The SHA-256 of one shard of a split output. The shards are written one after another, so each one's
// hasher (a worker of its own) starts with the shard's first byte and finishes with its last: a model cut
// into many shards has one or two hash workers at a time, not one per shard for the whole run.
import type { StreamHasher } from './stream-hasher.ts';

export function shardHasher(make: () => StreamHasher, size: number): StreamHasher {
  let inner: StreamHasher | undefined;
  let seen = 0;
  let early: Promise<string> | undefined;
  return {
    async update(data) {
      inner ??= make();
      await inner.update(data);
      seen += data.byteLength;
      if (seen === size && !early) {
        early = inner.digest(); // the shard is complete: finish its worker now
        early.catch(() => {}); // awaited by digest()
      }
    },
    digest() {
      if (early) return early;
      inner ??= make();
      return inner.digest();
    },
    dispose() {
      if (!early) inner?.dispose();
    },
  };
}
