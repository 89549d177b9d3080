// One row per llama-quantize option, in llama-quantize's own order (its usage text and command lines).
// The CLI parser and usage, the preset (link, JSON, checks), the command lines the app prints and the
// app's Advanced panel all read this table, so adding an option is adding a row here (and its field in
// QuantizeOptions and, for presets, Preset).
import type { QuantizeOptions } from './options.ts';

/** What the option's value is, which decides how each surface parses, checks and writes it. */
export type OptionKind =
  /** no value: present or absent */
  | 'flag'
  /** a ggml type name: q6_K, Q8_0, f16 (any case) */
  | 'ggml-type'
  /** REGEX=TYPE */
  | 'tensor-type'
  /** KEY=TYPE:VALUE */
  | 'kv-override'
  /** a substring of tensor names */
  | 'tensor-name'
  /** a file's path (the CLI reads it; the name as given is what the output records) */
  | 'file'
  /** L0,L1,…: block numbers */
  | 'layer-list'
  /** N[M|G]: decimal megabytes or gigabytes */
  | 'split-size'
  /** a whole number of tensors */
  | 'split-tensors';

/** How the app's Advanced panel edits the option ('none': the app does not offer it). */
export type OptionEditor =
  | 'checkbox' | 'type-select' | 'tensor-type-rows' | 'kv-rows'
  /** rows of tensor-name substrings that filter the importance matrix (only meaningful with one) */
  | 'imatrix-weight-rows'
  /** files the user opens; the app reads each as llama-quantize does and shows what it adds */
  | 'tensor-type-files'
  /** L0,L1,… typed as text, checked against the model's block count */
  | 'layer-list-text'
  /** the split-output editor: one file, split by size or by tensor count; keep-split only for a split input */
  | 'split-output'
  | 'none';

export type OptionField = Exclude<keyof QuantizeOptions, 'ftype'>;

export interface QuantizeOptionRow {
  /** the QuantizeOptions (and Preset) field, and the key in preset JSON files */
  readonly field: OptionField;
  /** the command-line flag, as llama-quantize spells it */
  readonly flag: `--${string}`;
  readonly kind: OptionKind;
  /** may be given several times; the values keep their order */
  readonly repeatable: boolean;
  /** the value's placeholder in the usage text */
  readonly metavar?: string;
  /** the usage text */
  readonly help: string;
  /** the key in a preset link; undefined: the option is not part of a preset */
  readonly link?: string;
  /**
   * For a file a preset names but does not carry: the link key of its SHA-256 (hex), so the app can ask
   * for that very file. Not a llama-quantize flag: the preset field is `<field>Sha256` (fileHashField),
   * one hash per file name, and command lines never show it.
   */
  readonly linkSha256?: string;
  readonly editor: OptionEditor;
  /** the app's label and the muted hint beside it */
  readonly label: string;
  readonly hint?: string;
  /**
   * Set, it asks for llama-quantize's pass: a float type from a Hugging Face folder is then not the
   * converter's plain file but the converted model quantized with this option.
   */
  readonly needsQuantizerPass: boolean;
}

export const QUANTIZE_OPTION_TABLE: readonly QuantizeOptionRow[] = Object.freeze([
  {
    field: 'allowRequantize', flag: '--allow-requantize', kind: 'flag', repeatable: false,
    help: 'accept inputs that are already quantized', link: 'allow-requantize', editor: 'checkbox',
    label: 'Allow requantize', hint: 'accept sources that are already quantized; quality suffers', needsQuantizerPass: false,
  },
  {
    field: 'leaveOutputTensor', flag: '--leave-output-tensor', kind: 'flag', repeatable: false,
    help: 'do not quantize output.weight', link: 'leave-output-tensor', editor: 'checkbox',
    label: 'Leave output tensor', hint: 'keep output.weight unquantized', needsQuantizerPass: true,
  },
  {
    field: 'pure', flag: '--pure', kind: 'flag', repeatable: false,
    help: 'every tensor in the default type of TYPE, no mixtures', link: 'pure', editor: 'checkbox',
    label: 'Pure', hint: "no k-quant mixture: every tensor in the type's default", needsQuantizerPass: true,
  },
  {
    // a preset names the file (the app asks for it); the matrix itself is never part of a link
    field: 'imatrixFile', flag: '--imatrix', kind: 'file', repeatable: false, metavar: 'FILE',
    help: 'importance matrix for the quantizer: the GGUF imatrix llama-imatrix writes, or a legacy .dat', link: 'imatrix', linkSha256: 'imatrix-sha256', editor: 'none',
    label: 'Importance matrix', needsQuantizerPass: true,
  },
  {
    field: 'includeWeights', flag: '--include-weights', kind: 'tensor-name', repeatable: true, metavar: 'NAME',
    help: 'use the importance matrix only for tensors whose name contains NAME (repeatable)', link: 'include-weights',
    editor: 'imatrix-weight-rows', label: 'Include weights', hint: 'use the importance matrix only for tensors whose name contains one of these',
    needsQuantizerPass: false,
  },
  {
    field: 'excludeWeights', flag: '--exclude-weights', kind: 'tensor-name', repeatable: true, metavar: 'NAME',
    help: 'do not use the importance matrix for tensors whose name contains NAME (repeatable;\n' +
      'not with --include-weights)', link: 'exclude-weights', editor: 'imatrix-weight-rows',
    label: 'Exclude weights', hint: 'no importance weights for tensors whose name contains one of these', needsQuantizerPass: false,
  },
  {
    field: 'outputTensorType', flag: '--output-tensor-type', kind: 'ggml-type', repeatable: false, metavar: 'T',
    help: 'type of output.weight', link: 'output-tensor-type', editor: 'type-select',
    label: 'Output tensor type', needsQuantizerPass: true,
  },
  {
    field: 'tokenEmbeddingType', flag: '--token-embedding-type', kind: 'ggml-type', repeatable: false, metavar: 'T',
    help: 'type of token_embd.weight', link: 'token-embedding-type', editor: 'type-select',
    label: 'Token embedding type', needsQuantizerPass: true,
  },
  {
    field: 'tensorTypes', flag: '--tensor-type', kind: 'tensor-type', repeatable: true, metavar: 'REGEX=T',
    help: 'type for tensors whose name matches REGEX (repeatable, first match wins)', link: 'tensor-type',
    editor: 'tensor-type-rows', label: 'Per-tensor types', hint: '--tensor-type REGEX=TYPE, first match wins',
    needsQuantizerPass: true,
  },
  {
    field: 'tensorTypeFiles', flag: '--tensor-type-file', kind: 'file', repeatable: true, metavar: 'FILE',
    help: 'REGEX=T entries separated by spaces or newlines, read as if each were a --tensor-type here (repeatable)',
    // like --imatrix, a preset names each file and its hash; the app asks for the file, whose entries it never carries
    link: 'tensor-type-file', linkSha256: 'tensor-type-file-sha256', editor: 'tensor-type-files',
    label: 'Tensor type files', hint: '--tensor-type-file: REGEX=TYPE entries separated by spaces or newlines, after the rows above',
    needsQuantizerPass: true,
  },
  {
    field: 'pruneLayers', flag: '--prune-layers', kind: 'layer-list', repeatable: false, metavar: 'L0,L1,…',
    help: 'drop these blocks (layer numbers, comma-separated); later blocks are renumbered', link: 'prune-layers',
    editor: 'layer-list-text', label: 'Prune layers', hint: '--prune-layers L0,L1,…, blocks to drop', needsQuantizerPass: true,
  },
  {
    field: 'keepSplit', flag: '--keep-split', kind: 'flag', repeatable: false,
    help: 'write the output in the same shards as a split input (NAME-00001-of-0000N.gguf)', link: 'keep-split',
    editor: 'split-output', label: 'Keep split', hint: "the input's shards, as llama-quantize --keep-split writes them", needsQuantizerPass: true,
  },
  {
    field: 'kvOverrides', flag: '--override-kv', kind: 'kv-override', repeatable: true, metavar: 'KEY=TYPE:VALUE',
    help: 'set a metadata key; TYPE is int, float, bool or str (repeatable)', link: 'override-kv',
    editor: 'kv-rows', label: 'Metadata overrides', hint: '--override-kv KEY=TYPE:VALUE, TYPE is int, float, bool or str',
    needsQuantizerPass: true,
  },
  {
    // llama-quantize computes the sizes even for a request a run would refuse for want of an importance matrix
    field: 'dryRun', flag: '--dry-run', kind: 'flag', repeatable: false,
    help: 'print the plan (tensor → type) and the exact output size; write nothing', editor: 'none',
    label: 'Dry run', needsQuantizerPass: false,
  },
  // not llama-quantize's: the files llama-gguf-split --split would make of its output
  {
    field: 'splitMaxSize', flag: '--split-max-size', kind: 'split-size', repeatable: false, metavar: 'N(M|G)',
    help: "split the output as llama-gguf-split --split does: shards of at most N megabytes\n(10^6) or gigabytes (10^9) of tensor data, named PATH's stem-00001-of-0000N.gguf", link: 'split-max-size',
    editor: 'split-output', label: 'Split by size', hint: 'at most N megabytes (M) or gigabytes (G) of tensor data per file', needsQuantizerPass: false,
  },
  {
    field: 'splitMaxTensors', flag: '--split-max-tensors', kind: 'split-tensors', repeatable: false, metavar: 'N',
    help: 'split the output as llama-gguf-split --split does: at most N tensors per shard', link: 'split-max-tensors',
    editor: 'split-output', label: 'Split by tensor count', hint: 'at most N tensors per file', needsQuantizerPass: false,
  },
] satisfies QuantizeOptionRow[]);

/** The rows a preset carries (those with a link key), in table order. */
export const PRESET_OPTION_ROWS: readonly QuantizeOptionRow[] = QUANTIZE_OPTION_TABLE.filter((r) => r.link !== undefined);

/** The preset (and JSON) field holding the SHA-256 of the files a file row names. */
export function fileHashField(row: QuantizeOptionRow): string {
  return `${row.field}Sha256`;
}

export function optionRow(field: OptionField): QuantizeOptionRow {
  const row = QUANTIZE_OPTION_TABLE.find((r) => r.field === field);
  if (!row) throw new Error(`option-table: no row for ${field}`);
  return row;
}

/** Whether an option's value asks for anything: a set flag, a given value, a non-empty list. */
export function optionIsSet(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== false && value !== '';
}
