// The quantization plan: for a model's metadata and tensor list and llama-quantize's options, exactly
// what llama.cpp's llama_model_quantize decides: each tensor's output type, the order tensors are
// written in, the output metadata, and the requests it refuses (QuantsmithError, llama.cpp-like wording).
//
// Copy vs convert: when a tensor's output type equals its source type, llama.cpp copies its bytes
// unchanged (no dequantize/quantize round trip, no requantize check); otherwise it converts the rows to
// F32 and quantizes them. That choice belongs to the engine; `PlannedTensor.convert` reports it.
import { QuantsmithError } from '../errors.ts';
import { GgufValueType, type GgufKV } from '../formats/gguf/model.ts';
import { GGUF_DEFAULT_ALIGNMENT } from '../formats/gguf/model.ts';
import { parseFtype, type LlamaFtype } from './ftypes.ts';
import { GgmlType, ggmlType, rowBytes } from './ggml-types.ts';
import { MixtureState } from './mixture-rules.ts';
import { readQuantHparams } from './model-hparams.ts';
import { checkKvOverrideKey, checkKvOverrideString, parseGgmlTypeName, type KvOverride, type QuantizeOptions } from './options.ts';
import { outputMetadata, setKV } from './output-metadata.ts';
import { pruneLayerNames } from './prune-layers.ts';
import { sortLikeLlamaLoader } from './tensor-order.ts';
import { allowsQuantization, ggmlNDims, isOutputWeight, isTokenEmbedding, tensorCategory } from './tensor-roles.ts';
import { chooseTensorType, type TypeRequest } from './tensor-type.ts';
import { compileTensorTypePattern } from './tensor-type-pattern.ts';

export interface PlanInputTensor {
  readonly name: string;
  /** ggml order: shape[0] is the row length */
  readonly shape: readonly number[];
  /** ggml type id */
  readonly type: number;
  /** split inputs: the shard holding the tensor, and its offset in that shard's data (--keep-split's order) */
  readonly shard?: number;
  readonly dataOffset?: number;
}

export interface PlanInput {
  readonly metadata: readonly GgufKV[];
  readonly tensors: readonly PlanInputTensor[];
}

export interface PlannedTensor {
  /** the name in the output (--prune-layers renumbers blocks) */
  readonly name: string;
  /** the name in the source */
  readonly sourceName: string;
  /** as the output's tensor info holds it: trailing dimensions of size 1 dropped (ggml_n_dims) */
  readonly shape: readonly number[];
  readonly sourceType: number;
  readonly outputType: number;
  /** false: llama.cpp copies the source bytes as they are (outputType === sourceType) */
  readonly convert: boolean;
  /** bytes of the tensor's data in the output */
  readonly outputBytes: number;
  /** offset of the data from the start of the output's data section */
  readonly offset: number;
}

export interface QuantPlan {
  readonly ftype: LlamaFtype;
  /** the output's metadata, in order */
  readonly metadata: GgufKV[];
  /** in output order */
  readonly tensors: PlannedTensor[];
  /** GGUF version of the output */
  readonly version: 3;
  /**
   * Alignment of the output's data: always 32, whatever general.alignment says (llama.cpp copies that key
   * but writes 32-byte aligned data; the plan refuses inputs where the two would disagree).
   */
  readonly alignment: number;
  /** tensors whose row length forced a smaller-block type */
  readonly fallbackCount: number;
  /** tensors converted (not copied) */
  readonly convertCount: number;
  /** --keep-split: the output shard of each tensor (in `tensors` order); absent for a single file */
  readonly keepSplitShards?: readonly number[];
}

function typeName(id: number): string {
  return ggmlType(id)?.name ?? `type ${id}`;
}

/** i-quants of 3 bits or fewer: llama.cpp refuses to quantize to them without an importance matrix */
const IMATRIX_TYPES: readonly number[] = [GgmlType.IQ3_XXS, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ1_M, GgmlType.IQ1_S];

/** A type named in an option: refused up front when Quantsmith cannot produce it. */
function producibleType(name: string, what: string): number {
  const t = parseGgmlTypeName(name, what);
  if (IMATRIX_TYPES.includes(t.id)) {
    throw new QuantsmithError(`${what}: type ${t.name} requires an importance matrix, which Quantsmith does not support`);
  }
  if (!t.kernel) throw new QuantsmithError(`${what}: Quantsmith cannot produce type ${t.name}`);
  return t.id;
}

function compileTensorTypes(options: QuantizeOptions): TypeRequest['tensorTypes'] {
  return (options.tensorTypes ?? []).map((o) => ({
    regex: compileTensorTypePattern(o.pattern),
    type: producibleType(o.type, `--tensor-type '${o.pattern}'`),
  }));
}

function checkKvOverrides(overrides: readonly KvOverride[]): void {
  for (const o of overrides) {
    checkKvOverrideKey(o.key);
    // values may come from JSON or a URL: check them, whatever the static types say
    const value: unknown = o.value;
    const ok =
      o.type === 'int' ? (typeof value === 'bigint' ? value >= -(2n ** 63n) && value < 2n ** 63n : Number.isSafeInteger(value))
      : o.type === 'float' ? typeof value === 'number'
      : o.type === 'bool' ? typeof value === 'boolean'
      : o.type === 'str' ? typeof value === 'string'
      : false;
    if (!ok) throw new QuantsmithError(`invalid ${String(o.type)} value for KV override '${o.key}'`);
    if (o.type === 'str') checkKvOverrideString(o.value, o.key);
  }
}

/** llama.cpp's tensor_requires_imatrix: i-quants of 3 bits or fewer, and Q2_K in a Q2_K_S file. */
function requiresImatrix(name: string, type: number, ftype: LlamaFtype): boolean {
  if (isTokenEmbedding(name) || isOutputWeight(name)) return false;
  return IMATRIX_TYPES.includes(type) || (type === GgmlType.Q2_K && ftype.name === 'Q2_K_S');
}

/** Types Quantsmith can read rows of as F32 (llama.cpp's dequantize step, which also accepts F32 as is). */
function canReadAsF32(type: number): boolean {
  const t = ggmlType(type);
  return t !== undefined && t.kernel;
}

const padTo = (n: number, a: number): number => Math.ceil(n / a) * a;

export function planQuantization(model: PlanInput, options: QuantizeOptions): QuantPlan {
  const ftype = parseFtype(options.ftype);
  if ((options.includeWeights?.length ?? 0) > 0 && (options.excludeWeights?.length ?? 0) > 0) {
    throw new QuantsmithError('--include-weights and --exclude-weights cannot be used together');
  }
  const kvOverrides = options.kvOverrides ?? [];
  checkKvOverrides(kvOverrides);
  const request: TypeRequest = {
    ftype: ftype.id,
    defaultType: ftype.defaultType,
    outputTensorType: options.outputTensorType === undefined ? undefined : producibleType(options.outputTensorType, '--output-tensor-type'),
    tokenEmbeddingType: options.tokenEmbeddingType === undefined ? undefined : producibleType(options.tokenEmbeddingType, '--token-embedding-type'),
    pure: options.pure ?? false,
    tensorTypes: compileTensorTypes(options),
  };
  const quantizeOutputTensor = !(options.leaveOutputTensor ?? false);

  // loading the model (llama.cpp reads its hyperparameters with the overrides applied)
  const hparams = readQuantHparams(model.metadata, kvOverrides);
  for (const t of model.tensors) {
    if (ggmlType(t.type) === undefined) throw new QuantsmithError(`tensor '${t.name}' has unknown ggml type ${t.type}`);
  }
  const alignmentKV = model.metadata.find((kv) => kv.key === 'general.alignment');
  if (alignmentKV !== undefined && alignmentKV.value !== GGUF_DEFAULT_ALIGNMENT) {
    throw new QuantsmithError(
      `general.alignment is ${String(alignmentKV.value)}: llama.cpp would copy it but write ${GGUF_DEFAULT_ALIGNMENT}-byte aligned data, a file that contradicts itself`,
    );
  }
  const metadata = outputMetadata(model.metadata, ftype.id, kvOverrides);

  checkSplitOptions(options);
  const loaderOrder = pruned(sortLikeLlamaLoader(model.tensors), options.pruneLayers ?? [], hparams.arch, metadata);
  // --keep-split writes (and so counts and decides) in each shard's file order
  const ordered = options.keepSplit ? keepSplitOrder(loaderOrder, model.tensors) : loaderOrder;
  const categories = ordered.map((t) => tensorCategory(t.name));
  const state = new MixtureState(hparams, categories);

  // first pass (llama.cpp's preliminary loop): every type, and the importance-matrix refusal
  let fallbackCount = 0;
  const outputTypes = ordered.map((t, i) => {
    if (!allowsQuantization(t.name, t.shape, quantizeOutputTensor)) return t.type;
    const choice = chooseTensorType(state, request, t.name, t.shape[0], categories[i]);
    if (choice.fellBack) fallbackCount++;
    if (requiresImatrix(t.name, choice.type, ftype)) {
      throw new QuantsmithError(
        `this quantization requires an importance matrix (tensor ${t.name} would be ${typeName(choice.type)}), which Quantsmith does not support`,
      );
    }
    return choice.type;
  });

  // second pass (llama.cpp's main loop): what converting each tensor needs
  let offset = 0;
  let convertCount = 0;
  const tensors = ordered.map((t, i): PlannedTensor => {
    const outputType = outputTypes[i];
    const convert = outputType !== t.type;
    if (convert) {
      convertCount++;
      checkConversion(t, outputType, options.allowRequantize ?? false);
    }
    const rows = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const outputBytes = rows * rowBytes(ggmlType(outputType)!, t.shape[0]);
    const planned: PlannedTensor = {
      name: t.name,
      sourceName: t.sourceName,
      shape: t.shape.slice(0, ggmlNDims(t.shape)),
      sourceType: t.type,
      outputType,
      convert,
      outputBytes,
      offset,
    };
    offset += padTo(outputBytes, GGUF_DEFAULT_ALIGNMENT);
    return planned;
  });

  const keepSplitShards = options.keepSplit ? checkedShards(ordered) : undefined;
  return { ftype, metadata, tensors, version: 3, alignment: GGUF_DEFAULT_ALIGNMENT, fallbackCount, convertCount, keepSplitShards };
}

function checkSplitOptions(options: QuantizeOptions): void {
  const bySize = options.splitMaxSize !== undefined;
  const byCount = options.splitMaxTensors !== undefined;
  if (bySize && byCount) throw new QuantsmithError('either --split-max-tensors or --split-max-size can be given, but not both');
  if (options.keepSplit && (bySize || byCount)) {
    throw new QuantsmithError('--keep-split keeps the input\'s shards; it cannot be combined with --split-max-size or --split-max-tensors');
  }
}

/** By shard, then place in the file; a source without offsets (converted on the fly) keeps its file order. */
function keepSplitOrder<T extends PlanInputTensor & { readonly sourceName: string }>(tensors: readonly T[], fileOrder: readonly PlanInputTensor[]): T[] {
  const index = new Map(fileOrder.map((t, i) => [t.name, i]));
  const place = (t: T) => t.dataOffset ?? index.get(t.sourceName)!;
  return [...tensors].sort((a, b) => (a.shard ?? 0) - (b.shard ?? 0) || place(a) - place(b));
}

/** Shards are numbered by the input's; one left empty (every tensor pruned) would have no file to be. */
function checkedShards(ordered: readonly PlanInputTensor[]): number[] {
  const shards = ordered.map((t) => t.shard ?? 0);
  const count = Math.max(0, ...shards) + 1;
  for (let i = 0; i < count; i++) {
    if (!shards.includes(i)) throw new QuantsmithError(`--keep-split: shard ${i + 1} of ${count} would hold no tensors`);
  }
  return shards;
}

/**
 * The tensors in loader order under their output names (--prune-layers drops and renumbers blocks);
 * with a prune list, the new {arch}.block_count is set in `metadata` (after the overrides, as llama.cpp does).
 */
function pruned(
  ordered: readonly PlanInputTensor[], prune: readonly number[], arch: string, metadata: GgufKV[],
): (PlanInputTensor & { readonly sourceName: string })[] {
  if (prune.length === 0) return ordered.map((t) => ({ ...t, sourceName: t.name }));
  const sorted = [...new Set(prune)].sort((a, b) => a - b);
  if (sorted.some((l) => !Number.isInteger(l) || l < 0)) throw new QuantsmithError(`--prune-layers: invalid layer id in ${prune.join(',')}`);
  const { names, blockCount } = pruneLayerNames(ordered.map((t) => t.name), sorted);
  setKV(metadata, { key: `${arch}.block_count`, type: GgufValueType.UINT32, value: blockCount });
  return ordered.flatMap((t, i) => (names[i] === undefined ? [] : [{ ...t, name: names[i]!, sourceName: t.name }]));
}

function checkConversion(t: PlanInputTensor, outputType: number, allowRequantize: boolean): void {
  const source = ggmlType(t.type)!;
  if (source.quantized && !allowRequantize) {
    throw new QuantsmithError(`requantizing from type ${source.name} is disabled (tensor ${t.name}; use allow-requantize)`);
  }
  if (!source.quantized && ![GgmlType.F32, GgmlType.F16, GgmlType.BF16].includes(source.id as 0 | 1 | 30)) {
    throw new QuantsmithError(`cannot dequantize/convert tensor type ${source.name} (tensor ${t.name})`);
  }
  if (!canReadAsF32(t.type)) {
    throw new QuantsmithError(`tensor ${t.name}: Quantsmith cannot dequantize type ${source.name}`);
  }
  const target = ggmlType(outputType)!;
  if (!target.kernel) {
    throw new QuantsmithError(`tensor ${t.name}: Quantsmith cannot quantize to type ${target.name}`);
  }
  if (t.shape[0] % target.blockSize !== 0) {
    // llama.cpp would stop on an assertion here (only an explicit output/token-embedding type can get this far)
    throw new QuantsmithError(
      `tensor ${t.name}: row length ${t.shape[0]} is not a multiple of ${target.blockSize}, the block size of ${target.name}`,
    );
  }
}
