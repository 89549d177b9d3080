// Which file of a selection (several files, or a folder's listing) is the first shard of a split GGUF
// model (NAME-00001-of-0000N.gguf): the model is opened from it, its siblings looked up in the same selection.
import { QuantsmithError } from '../../core/errors.ts';

const SHARD = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

export interface SplitSelection {
  /** the first shard's path in the selection */
  readonly first: string;
  readonly count: number;
}

/**
 * The split model among `paths`, or undefined when they hold no shard names. A selection with shards of
 * more than one model, or without the first shard, is refused with a message saying what to choose.
 */
export function findSplitSelection(paths: readonly string[]): SplitSelection | undefined {
  const sets = new Map<string, { count: number; first?: string }>();
  for (const path of paths) {
    const m = SHARD.exec(path);
    if (!m) continue;
    const key = `${m[1]}|${m[3]}`;
    const set = sets.get(key) ?? { count: Number(m[3]) };
    if (Number(m[2]) === 1) set.first = path;
    sets.set(key, set);
  }
  if (sets.size === 0) return undefined;
  if (sets.size > 1) {
    const names = [...sets.keys()].map((k) => k.split('|')[0].split('/').pop()).join(', ');
    throw new QuantsmithError(`the selection holds the shards of ${sets.size} split models (${names}); choose the shards of one`);
  }
  const [[key, set]] = [...sets];
  if (set.first === undefined) {
    const [prefix, count] = key.split('|');
    throw new QuantsmithError(`the first shard, ${prefix.split('/').pop()}-00001-of-${count}.gguf, is not among the chosen files`);
  }
  return { first: set.first, count: set.count };
}
