// The Hub's per-file limit, seen from the app: before a run, which chosen types would give a file too big
// to publish (with the split that fixes it); after one, why an output cannot be published as it is. The
// limit is a parameter (tests cannot make 50 GB), defaulting to the Hub's.
import { HUB_MAX_FILE_BYTES, HUB_SPLIT_MAX_SIZE } from '../../core/hub/hub-file-limit.ts';
import { optionRow } from '../../core/quant/option-table.ts';
import { formatBytes } from '../model/format.ts';
import type { TypeOutlook } from '../plan/type-plans.ts';
import type { Preset } from '../presets/preset.ts';
import type { FinishedOutput } from '../run/run-state.ts';

export interface OversizedType {
  readonly type: string;
  /** the largest file the type would be written as */
  readonly largest: number;
  /** true: it is already split, but a shard is still too big */
  readonly split: boolean;
}

const limitText = (limit: number) => formatBytes(limit);
const splitFlag = () => optionRow('splitMaxSize').flag;

/** The chosen types with a planned file over the limit, in the preset's order. */
export function oversizedForHub(plans: ReadonlyMap<string, TypeOutlook> | null, preset: Preset, limit = HUB_MAX_FILE_BYTES): OversizedType[] {
  if (!plans) return [];
  return preset.types.flatMap((type) => {
    const plan = plans.get(type);
    if (!plan?.ok) return [];
    const largest = Math.max(...plan.fileSizes);
    return largest > limit ? [{ type, largest, split: plan.fileSizes.length > 1 }] : [];
  });
}

/** The preset split at the size the Hub takes (one file, by tensor count or kept shards no longer). */
export function splitForHub(preset: Preset): Preset {
  const { splitMaxTensors: _t, ...rest } = preset;
  return { ...rest, keepSplit: false, splitMaxSize: HUB_SPLIT_MAX_SIZE };
}

/** Before the run: what the plan's sizes mean for publishing. */
export function oversizedNotice(types: readonly OversizedType[], limit = HUB_MAX_FILE_BYTES): string {
  const list = types.map((t) => `${t.type} (${t.split ? 'a shard of ' : ''}${formatBytes(t.largest)})`).join(', ');
  return `The Hub takes files of at most ${limitText(limit)}: ${list} would have to be split to publish. ` +
    `Split at ${HUB_SPLIT_MAX_SIZE} (${splitFlag()} ${HUB_SPLIT_MAX_SIZE}) to publish the shards.`;
}

/**
 * After the run: why these outputs cannot be published, or null when every file is within the limit.
 * An unsplit output over it must be made again, split; the Hub would refuse the file.
 */
export function publishRefusal(outputs: readonly FinishedOutput[], limit = HUB_MAX_FILE_BYTES): string | null {
  for (const o of outputs) {
    const files = o.split ? o.split.shards : [o];
    const big = files.find((f) => f.size > limit);
    if (!big) continue;
    const what = o.split ? `its shard ${big.fileName}` : o.fileName;
    return `${o.type} cannot be published: ${what} is ${formatBytes(big.size)}, and the Hub takes files of at most ${limitText(limit)}. ` +
      `Quantize it again split into shards (Advanced options → Output files → Split by size, ${HUB_SPLIT_MAX_SIZE}) and publish those.`;
  }
  return null;
}
