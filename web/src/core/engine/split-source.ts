// A model stored as split GGUF shards (name-00001-of-0000N.gguf, the split.* keys), read as one, as
// llama.cpp's loader reads it: the metadata is the first shard's; every shard's tensors join one list,
// each remembering its shard and its place there (llama-quantize --keep-split writes the same shards back).
import type { ByteSource } from '../byte-source.ts';
import { QuantsmithError } from '../errors.ts';
import { GgufValueType, type GgufKV } from '../formats/gguf/model.ts';
import { splitPrefixOf, splitShardName } from '../formats/gguf/split-names.ts';
import { openGgufModel, type GgufModelSource } from './gguf-source.ts';
import type { ModelSource } from './model-source.ts';

/** Opens a sibling shard by its file name (beside the first shard); rejects if there is none. */
export type ShardOpener = (name: string) => Promise<ByteSource>;

function splitValue(metadata: readonly GgufKV[], key: string, type: number, typeName: string, file: string): number | undefined {
  const kv = metadata.find((x) => x.key === key);
  if (kv === undefined) return undefined;
  if (kv.type !== type) throw new QuantsmithError(`${file}: ${key} has the wrong type (expected ${typeName})`);
  return kv.value as number;
}

/** The shard count a GGUF declares (1 when it is not split). */
export function splitCountOf(model: GgufModelSource): number {
  return splitValue(model.metadata, 'split.count', GgufValueType.UINT16, 'u16', model.name) ?? 0;
}

/**
 * The model `first` belongs to: itself when it is not split, else all its shards joined. The shard must be
 * the first; the others are opened by name with `open` and checked (their number, no duplicate tensor,
 * the total tensor count). Closing the result closes every shard.
 */
export async function openSplitModel(first: GgufModelSource, open: ShardOpener): Promise<ModelSource> {
  const count = splitCountOf(first);
  if (count <= 1) return first;
  const no = splitValue(first.metadata, 'split.no', GgufValueType.UINT16, 'u16', first.name) ?? 0;
  const firstName = splitShardName('NAME', 0, count).replace('NAME', '');
  if (no !== 0) {
    throw new QuantsmithError(`${first.name} is shard ${no + 1} of ${count}; open the first one, the file ending in ${firstName}`);
  }
  const prefix = splitPrefixOf(first.name, 0, count);
  if (prefix === undefined) {
    throw new QuantsmithError(`${first.name} is the first of ${count} shards, but its name does not end in ${firstName}, so its siblings cannot be found`);
  }
  const shards: GgufModelSource[] = [first];
  try {
    for (let i = 1; i < count; i++) {
      const name = splitShardName(prefix, i, count);
      const src = await open(name).catch((e: unknown) => {
        throw new QuantsmithError(`shard ${i + 1} of ${count} is missing: ${name} (${e instanceof Error ? e.message : String(e)})`);
      });
      const shard = await openGgufModel(src).catch(async (e: unknown) => {
        await src.close?.();
        throw e;
      });
      shards.push(shard);
      const shardNo = splitValue(shard.metadata, 'split.no', GgufValueType.UINT16, 'u16', name);
      if (shardNo === undefined) throw new QuantsmithError(`${name} has no split.no: it is not a shard of ${first.name}`);
      if (shardNo !== i) throw new QuantsmithError(`${name} says it is shard ${shardNo + 1}, expected ${i + 1} of ${count}`);
    }
    const seen = new Set<string>();
    const tensors = shards.flatMap((s, i) => s.tensors.map((t) => {
      if (seen.has(t.name)) throw new QuantsmithError(`tensor '${t.name}' is in more than one shard`);
      seen.add(t.name);
      return { ...t, shard: i };
    }));
    const declared = splitValue(first.metadata, 'split.tensors.count', GgufValueType.INT32, 'i32', first.name);
    if (declared === undefined) throw new QuantsmithError(`${first.name}: key not found in model: split.tensors.count`);
    if (declared !== tensors.length) {
      throw new QuantsmithError(`the ${count} shards hold ${tensors.length} tensors, but ${first.name} says ${declared}: a shard is from another model or damaged`);
    }
    return {
      name: first.name,
      format: 'gguf',
      sizeBytes: shards.reduce((n, s) => n + s.sizeBytes, 0),
      metadata: first.metadata,
      tensors,
      close: async () => {
        await Promise.allSettled(shards.map((s) => s.close()));
      },
    };
  } catch (e) {
    await Promise.allSettled(shards.slice(1).map((s) => s.close()));
    throw e;
  }
}
