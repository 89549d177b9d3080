// --prune-layers as llama_model_quantize applies it: tensors are visited in the loader's order; the first
// "blk.N." found anywhere in a name gives its block. A pruned block's tensors are dropped; blocks below the
// smallest pruned one keep their number; every other block takes the next free number in the order met.
// The output's {arch}.block_count becomes the count of numbers handed out. Nothing else in the metadata
// changes (llama.cpp leaves per-layer arrays as they were).
import { QuantsmithError } from '../errors.ts';

const BLOCK = /blk\.(\d+)\./;
const INT_MAX = 2 ** 31 - 1;

export interface PrunedNames {
  /** per input name (same order): the output name, or undefined when the tensor is dropped */
  readonly names: readonly (string | undefined)[];
  /** the new block count */
  readonly blockCount: number;
}

/** `prune` sorted ascending without repeats (as llama-quantize's parser leaves it); names in loader order. */
export function pruneLayerNames(names: readonly string[], prune: readonly number[]): PrunedNames {
  const mapped = new Map<number, number | undefined>();
  let next = 0;
  const out = names.map((name) => {
    const m = BLOCK.exec(name);
    if (!m) return name;
    const block = Number(m[1]);
    // std::stoi throws on a number past int's range
    if (block > INT_MAX) throw new QuantsmithError(`tensor ${name}: block number ${m[1]} is out of range`);
    if (!mapped.has(block)) {
      if (prune.includes(block)) mapped.set(block, undefined);
      else if (block < prune[0]) {
        mapped.set(block, block);
        next = block + 1;
      } else mapped.set(block, next++);
    }
    const to = mapped.get(block);
    if (to === undefined) return undefined;
    return name.slice(0, m.index + 4) + String(to) + name.slice(m.index + 4 + m[1].length);
  });
  return { names: out, blockCount: next };
}
