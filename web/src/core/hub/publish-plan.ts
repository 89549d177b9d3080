// The plan of an output that is to be published: the Hub takes no file over its per-file limit, so an
// output that would be one is split at the limit's --split-max-size (when the user asked for no split of
// their own), and a split that would still leave a file over the limit is refused before a byte is written.
import { QuantsmithError } from '../errors.ts';
import { planOutput, type PlannedLayout } from '../engine/plan-outputs.ts';
import type { ModelSource } from '../engine/model-source.ts';
import { parseSplitSizeOption, type QuantizeOptions } from '../quant/options.ts';
import { formatSize } from './candidates.ts';
import { HUB_FILE_LIMIT, type HubFileLimit } from './hub-file-limit.ts';

export interface PublishPlan {
  readonly planned: PlannedLayout;
  /** the options to write the output with: those given, plus splitMaxSize when the split is automatic */
  readonly options: QuantizeOptions;
  /** set when the output is split only because it is over the limit: the --split-max-size it is split at, and the one file's size it would have had */
  readonly autoSplit?: { readonly splitMaxSize: string; readonly unsplitBytes: number };
}

const splitAsked = (o: QuantizeOptions) => Boolean(o.keepSplit) || o.splitMaxSize !== undefined || o.splitMaxTensors !== undefined;

const sized = (bytes: number) => `${formatSize(bytes)} (${bytes} bytes)`;

export function planForHub(source: ModelSource, options: QuantizeOptions, limit: HubFileLimit = HUB_FILE_LIMIT): PublishPlan {
  let planned = planOutput(source, options);
  let effective = options;
  let autoSplit: PublishPlan['autoSplit'];
  if (!splitAsked(options) && planned.shards[0].layout.fileSize > limit.maxFileBytes) {
    autoSplit = { splitMaxSize: limit.splitMaxSize, unsplitBytes: planned.size };
    effective = { ...options, splitMaxSize: parseSplitSizeOption(limit.splitMaxSize) };
    planned = planOutput(source, effective);
  }
  const n = planned.shards.length;
  const over = planned.shards.findIndex((s) => s.layout.fileSize > limit.maxFileBytes);
  if (over >= 0) {
    const size = planned.shards[over].layout.fileSize;
    const what = n === 1 ? `the output would be one file of ${sized(size)}` : `shard ${over + 1} of ${n} would be ${sized(size)}`;
    const why = autoSplit
      ? `even split at --split-max-size ${autoSplit.splitMaxSize}: one of its tensors is that large on its own`
      : options.keepSplit
        ? `with --keep-split; split it with --split-max-size ${limit.splitMaxSize} instead`
        : `with the split asked for; use a smaller split (--split-max-size ${limit.splitMaxSize} fits)`;
    throw new QuantsmithError(`cannot publish: ${what}, over the Hub's per-file limit of ${sized(limit.maxFileBytes)}, ${why}`);
  }
  return { planned, options: effective, autoSplit };
}
