// How an output is cut into shard files, and each shard's header. Two ways, each as llama.cpp's tool does it:
// --keep-split (llama-quantize: the input's shards; the first carries the metadata, then split.no,
// split.count, split.tensors.count) and --split-max-size / --split-max-tensors (llama-gguf-split --split
// of llama-quantize's file: a new shard when the next tensor's padded data would pass the size, or every N
// tensors; the first carries the metadata, then split.no, split.tensors.count, split.count).
import { QuantsmithError } from '../errors.ts';
import { GgufValueType, type GgufKV } from '../formats/gguf/model.ts';
import { padTo } from '../formats/gguf/tensor-size.ts';
import { computeGgufLayout, type GgufLayout } from '../formats/gguf/writer.ts';
import type { QuantizeOptions } from '../quant/options.ts';
import type { QuantPlan } from '../quant/plan.ts';

export interface OutputShard {
  readonly layout: GgufLayout;
  /** index in plan.tensors of the shard's first tensor */
  readonly firstTensor: number;
}

export interface ShardedLayout {
  readonly shards: readonly OutputShard[];
  /** true: the files are named PREFIX-0000i-of-0000N.gguf (even a single one, as --keep-split names it) */
  readonly namedAsShards: boolean;
}

const u16 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.UINT16, value });
const i32 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.INT32, value });

/** gguf-split's split_strategy: the shard of each tensor. */
function ggufSplitShards(byteLengths: readonly number[], maxBytes: number | undefined, maxTensors: number | undefined): number[] {
  let shard = 0;
  let current = 0;
  return byteLengths.map((n, i) => {
    const padded = padTo(n, 32);
    const next = current + padded;
    const split = maxBytes !== undefined ? next > maxBytes : i > 0 && i % maxTensors! === 0;
    if (split) {
      // the tool gives up when a shard would be left with no tensor (only the first can be)
      if (i === 0) throw new QuantsmithError(`--split-max-size: tensor ${i + 1} alone is larger than ${maxBytes} bytes, so the first shard would hold no tensors`);
      shard++;
      current = padded;
    } else {
      current = next;
    }
    return shard;
  });
}

export function shardOutput(plan: QuantPlan, options: QuantizeOptions): ShardedLayout {
  const tensors = plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.outputType }));
  const splitting = options.splitMaxSize !== undefined || options.splitMaxTensors !== undefined;
  const shardOf = plan.keepSplitShards
    ?? (splitting ? ggufSplitShards(plan.tensors.map((t) => t.outputBytes), options.splitMaxSize, options.splitMaxTensors) : undefined);
  if (shardOf === undefined) {
    return { shards: [{ layout: computeGgufLayout({ metadata: plan.metadata, tensors }), firstTensor: 0 }], namedAsShards: false };
  }
  const count = Math.max(...shardOf, 0) + 1;
  const shards: OutputShard[] = [];
  for (let k = 0; k < count; k++) {
    const firstTensor = shardOf.indexOf(k);
    let keys: GgufKV[] = [];
    if (splitting) keys = [u16('split.no', k), i32('split.tensors.count', tensors.length), u16('split.count', count)];
    else if (count > 1) keys = [u16('split.no', k), u16('split.count', count), i32('split.tensors.count', tensors.length)];
    const metadata = k === 0 ? [...plan.metadata.filter((kv) => !keys.some((s) => s.key === kv.key)), ...keys] : keys;
    const layout = computeGgufLayout({ metadata, tensors: tensors.filter((_, i) => shardOf[i] === k) });
    shards.push({ layout, firstTensor });
  }
  return { shards, namedAsShards: true };
}
