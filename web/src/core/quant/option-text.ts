// An option's value from its command-line text, by the kind its row in option-table.ts names.
// Compound values (REGEX=TYPE, KEY=TYPE:VALUE) are checked here; type names are checked by the plan.
import type { OptionKind } from './option-table.ts';
import { parseKvOverrideOption, parsePruneLayersOption, parseSplitSizeOption, parseSplitTensorsOption, parseTensorTypeOption, type KvOverride, type TensorTypeOverride } from './options.ts';

export function parseOptionText(kind: Exclude<OptionKind, 'flag'>, text: string): string | number | number[] | TensorTypeOverride | KvOverride {
  switch (kind) {
    case 'tensor-type':
      return parseTensorTypeOption(text);
    case 'kv-override':
      return parseKvOverrideOption(text);
    case 'layer-list':
      return parsePruneLayersOption(text);
    case 'split-size':
      return parseSplitSizeOption(text);
    case 'split-tensors':
      return parseSplitTensorsOption(text);
    case 'ggml-type':
    case 'tensor-name':
    case 'file':
      return text;
  }
}
