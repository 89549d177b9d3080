// One output written as several files: the engine writes the shards' bytes back to back, and this sink cuts
// them at the planned sizes. Each file stays under its temporary name until commit(), which runs only once
// every shard is complete; abort() drops them all.
import type { ByteSink } from '../byte-source.ts';

export function shardedSink(sizes: readonly number[], sinks: readonly ByteSink[]): ByteSink {
  if (sizes.length !== sinks.length) throw new Error(`internal error: ${sizes.length} shard sizes for ${sinks.length} sinks`);
  let shard = 0;
  let left = sizes[0] ?? 0;
  return {
    async write(data) {
      let rest = data;
      while (rest.byteLength > 0) {
        while (left === 0 && shard < sizes.length - 1) left = sizes[++shard];
        if (left === 0) throw new Error('internal error: more bytes than the shards were planned to hold');
        const piece = rest.byteLength <= left ? rest : rest.subarray(0, left);
        await sinks[shard].write(piece);
        left -= piece.byteLength;
        rest = rest.subarray(piece.byteLength);
      }
    },
    async commit() {
      // every shard complete on disk before the first is renamed
      for (const s of sinks) await s.finish?.();
      for (const s of sinks) await s.commit();
    },
    async abort() {
      await Promise.allSettled(sinks.map((s) => s.abort()));
    },
  };
}
