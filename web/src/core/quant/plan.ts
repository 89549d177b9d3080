// The quantization plan: for a model's metadata and tensor list and llama-quantize's options, exactly
// what llama.cpp's llama_model_quantize decides: each tensor's output type, the order tensors are
// written in, the output metadata, and the requests it refuses (QuantsmithError, llama.cpp-like wording).
//
// Copy vs convert: when a tensor's output type equals its source type, llama.cpp copies its bytes
// unchanged (no dequantize/quantize round trip, no requantize check); otherwise it converts the rows to
// F32 and quantizes them. That choice belongs to the engine; `PlannedTensor.convert` reports it.
import { QuantsmithError, quoted } from '../errors.ts';
import { GgufValueType, type GgufKV } from '../formats/gguf/model.ts';
import { GGUF_DEFAULT_ALIGNMENT } from '../formats/gguf/model.ts';
import { checkImatrixAgainstModel } from '../imatrix/check-imatrix.ts';
import { imatrixOverrides, quantizeWeights, type QuantizeWeights } from '../imatrix/quantize-weights.ts';
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
  /**
   * The importance weights its conversion uses (ne0 × experts floats; expert e's rows use the ne0 values
   * from e × ne0), or undefined for none.
   */
  readonly importance?: Float32Array;
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
  /** entries of the importance matrix used (after --include-weights / --exclude-weights); 0 without one */
  readonly imatrixEntries: number;
  /**
   * Why Quantsmith cannot write this output yet (a type its kernels lack), or undefined. The plan (header,
   * sizes, --dry-run) is complete either way; a job refuses the output with this message.
   */
  readonly missingKernel?: string;
  /** with dryRun and no importance matrix: the first tensor that needs one, as a sentence (a run refuses it) */
  readonly imatrixRequired?: string;
  /** --keep-split: the output shard of each tensor (in `tensors` order); absent for a single file */
  readonly keepSplitShards?: readonly number[];
}

function typeName(id: number): string {
  return ggmlType(id)?.name ?? `type ${id}`;
}

/** i-quants of 3 bits or fewer: llama.cpp refuses to quantize to them without an importance matrix */
const IMATRIX_TYPES: readonly number[] = [GgmlType.IQ3_XXS, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ1_M, GgmlType.IQ1_S];

/** ggml types llama.cpp cannot quantize to either (activation and integer types): no file can hold them */
const NEVER_WRITTEN: readonly number[] = [GgmlType.Q8_1, GgmlType.Q8_K, GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64, GgmlType.F64];

/**
 * A type named in an option: refused up front when no quantizer can produce it. One llama.cpp writes but
 * Quantsmith has no kernel for yet is planned like any other and named by the plan's missingKernel.
 */
function producibleType(name: string, what: string): number {
  const t = parseGgmlTypeName(name, what);
  if (NEVER_WRITTEN.includes(t.id)) throw new QuantsmithError(`${what}: Quantsmith cannot produce type ${t.name}`);
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
function requiresImatrix(name: string, type: number, ftypeId: number): boolean {
  if (isTokenEmbedding(name) || isOutputWeight(name)) return false;
  return IMATRIX_TYPES.includes(type) || (type === GgmlType.Q2_K && ftypeId === Q2_K_S);
}

const Q2_K_S = 21;
/** llama.cpp marks a file type it guessed from the tensors (no general.file_type) with this bit */
const LLAMA_FTYPE_GUESSED = 1024;

/**
 * The model loader's file type (what COPY writes): general.file_type when the input has it, else guessed
 * from the most common tensor type (the first to reach the highest count, in the loader's order).
 */
function loaderFtype(model: PlanInput, ordered: readonly PlanInputTensor[]): number {
  const kv = model.metadata.find((x) => x.key === 'general.file_type');
  if (kv && (typeof kv.value === 'number' || typeof kv.value === 'bigint')) return Number(BigInt.asUintN(32, BigInt(kv.value)));
  const counts = new Map<number, number>();
  let best = GgmlType.F32 as number;
  let bestCount = 0;
  for (const t of ordered) {
    const n = (counts.get(t.type) ?? 0) + 1;
    counts.set(t.type, n);
    if (n > bestCount) {
      bestCount = n;
      best = t.type;
    }
  }
  return (GUESSED_FTYPE.get(best) ?? 0) | LLAMA_FTYPE_GUESSED;
}

/** llama_model_loader's guess of the ftype from the most common tensor type (anything else: ALL_F32). */
const GUESSED_FTYPE: ReadonlyMap<number, number> = new Map([
  [GgmlType.F32, 0], [GgmlType.F16, 1], [GgmlType.BF16, 32], [GgmlType.Q4_0, 2], [GgmlType.Q4_1, 3],
  [GgmlType.Q5_0, 8], [GgmlType.Q5_1, 9], [GgmlType.Q8_0, 7], [GgmlType.Q2_K, 10], [GgmlType.Q3_K, 12],
  [GgmlType.Q4_K, 15], [GgmlType.Q5_K, 17], [GgmlType.Q6_K, 18], [GgmlType.TQ1_0, 36], [GgmlType.TQ2_0, 37],
  [GgmlType.IQ2_XXS, 19], [GgmlType.IQ2_XS, 20], [GgmlType.IQ2_S, 28], [GgmlType.IQ3_XXS, 23], [GgmlType.IQ1_S, 24],
  [GgmlType.IQ1_M, 31], [GgmlType.IQ4_NL, 25], [GgmlType.IQ4_XS, 30], [GgmlType.IQ3_S, 26], [GgmlType.NVFP4, 39],
  [GgmlType.Q1_0, 40], [GgmlType.Q2_0, 41],
]);

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
  const imatrix = importanceFor(model, options);
  const hasImatrix = imatrix !== undefined && imatrix.byTensor.size > 0;

  // loading the model (llama.cpp reads its hyperparameters with the overrides applied)
  const hparams = readQuantHparams(model.metadata, kvOverrides);
  for (const t of model.tensors) {
    if (ggmlType(t.type) === undefined) throw new QuantsmithError(`tensor ${quoted(t.name)} has unknown ggml type ${t.type}`);
  }
  const alignmentKV = model.metadata.find((kv) => kv.key === 'general.alignment');
  if (alignmentKV !== undefined && alignmentKV.value !== GGUF_DEFAULT_ALIGNMENT) {
    throw new QuantsmithError(
      `general.alignment is ${String(alignmentKV.value)}: llama.cpp would copy it but write ${GGUF_DEFAULT_ALIGNMENT}-byte aligned data, a file that contradicts itself`,
    );
  }

  checkSplitOptions(options);
  const loaderSorted = sortLikeLlamaLoader(model.tensors);
  // COPY writes the input's own file type; nothing is quantized
  const ftypeId = ftype.onlyCopy ? loaderFtype(model, loaderSorted) : ftype.id;
  const imatrixKvs = hasImatrix ? imatrixOverrides(imatrix, options.imatrixFile ?? '') : [];
  const metadata = outputMetadata(model.metadata, ftypeId, [...kvOverrides, ...imatrixKvs]);
  const loaderOrder = pruned(loaderSorted, options.pruneLayers ?? [], hparams.arch, metadata);
  // --keep-split writes (and so counts and decides) in each shard's file order
  const ordered = options.keepSplit ? keepSplitOrder(loaderOrder, model.tensors) : loaderOrder;
  const categories = ordered.map((t) => tensorCategory(t.name));
  const state = new MixtureState(hparams, categories, hasImatrix);

  // first pass (llama.cpp's preliminary loop): every type, and the importance-matrix refusal
  let fallbackCount = 0;
  let imatrixRequired: string | undefined;
  const quantizable = ordered.map((t) => !ftype.onlyCopy && allowsQuantization(t.name, t.shape, quantizeOutputTensor));
  const outputTypes = ordered.map((t, i) => {
    if (!quantizable[i]) return t.type;
    const choice = chooseTensorType(state, request, t.name, t.shape, categories[i]);
    if (choice.fellBack) fallbackCount++;
    if (!hasImatrix && requiresImatrix(t.name, choice.type, ftypeId)) {
      const why = `this quantization requires an importance matrix (--imatrix): tensor ${t.name} would be ${typeName(choice.type)}`;
      if (!options.dryRun) throw new QuantsmithError(why);
      imatrixRequired ??= why;
    }
    return choice.type;
  });

  // second pass (llama.cpp's main loop): what converting each tensor needs
  let offset = 0;
  let convertCount = 0;
  let missingKernel: string | undefined;
  const tensors = ordered.map((t, i): PlannedTensor => {
    const outputType = outputTypes[i];
    const convert = outputType !== t.type;
    let importance: Float32Array | undefined;
    if (convert) {
      convertCount++;
      checkConversion(t, outputType, options.allowRequantize ?? false);
      missingKernel ??= kernelProblem(t, outputType, ftype.name);
      if (hasImatrix) importance = tensorImportance(imatrix, t);
      // (llama.cpp's dry run never reaches this check)
      if (!importance && !options.dryRun && requiresImatrix(t.name, outputType, ftypeId)) {
        throw new QuantsmithError(`Missing importance matrix for tensor ${t.name} in a very low-bit quantization`);
      }
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
      ...(importance ? { importance } : {}),
    };
    offset += padTo(outputBytes, GGUF_DEFAULT_ALIGNMENT);
    return planned;
  });

  const keepSplitShards = options.keepSplit ? checkedShards(ordered) : undefined;
  return {
    ftype, metadata, tensors, version: 3, alignment: GGUF_DEFAULT_ALIGNMENT, fallbackCount, convertCount, keepSplitShards,
    imatrixEntries: hasImatrix ? imatrix.byTensor.size : 0,
    ...(missingKernel ? { missingKernel } : {}),
    ...(imatrixRequired ? { imatrixRequired } : {}),
  };
}

/** The importance weights for the request, checked against the model; undefined without --imatrix. */
function importanceFor(model: PlanInput, options: QuantizeOptions): QuantizeWeights | undefined {
  if (options.imatrix === undefined) {
    if (options.imatrixFile !== undefined) {
      throw new QuantsmithError(`the importance matrix ${options.imatrixFile} is named but was not opened: open it beside the model`);
    }
    return undefined;
  }
  checkImatrixAgainstModel(options.imatrix, model.tensors);
  return quantizeWeights(options.imatrix, options.includeWeights, options.excludeWeights);
}

/**
 * A tensor's weights as llama.cpp looks them up: none when the file has no entry for it; an entry of
 * another length than ne0 × experts is refused (llama.cpp skips token_embd's, which never matches).
 * Under --prune-layers the entry is the source block's (remap_imatrix maps the output name back).
 */
function tensorImportance(imatrix: QuantizeWeights, t: PlanInputTensor & { readonly sourceName: string }): Float32Array | undefined {
  const values = imatrix.byTensor.get(t.sourceName);
  if (!values) return undefined;
  const expected = t.shape[0] * (t.shape[2] ?? 1);
  if (values.length === expected) return values;
  if (isTokenEmbedding(t.name)) return undefined;
  throw new QuantsmithError(`imatrix size ${values.length} is different from tensor size ${expected} for ${t.name}`);
}

/** Why Quantsmith cannot write this conversion yet, or undefined. */
function kernelProblem(t: PlanInputTensor, outputType: number, ftypeName: string): string | undefined {
  const target = ggmlType(outputType)!;
  if (target.kernel) return undefined;
  return `Quantsmith cannot write ${ftypeName} yet: it has no kernel for type ${target.name} (tensor ${t.name})`;
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
    throw new QuantsmithError(`requantizing from type ${source.name} is disabled (tensor ${quoted(t.name)}; use allow-requantize)`);
  }
  if (!source.quantized && ![GgmlType.F32, GgmlType.F16, GgmlType.BF16].includes(source.id as 0 | 1 | 30)) {
    throw new QuantsmithError(`cannot dequantize/convert tensor type ${source.name} (tensor ${quoted(t.name)})`);
  }
  if (!canReadAsF32(t.type)) {
    throw new QuantsmithError(`tensor ${quoted(t.name)}: Quantsmith cannot dequantize type ${source.name}`);
  }
  const target = ggmlType(outputType)!;
  if (t.shape[0] % target.blockSize !== 0) {
    // llama.cpp would stop on an assertion here (only an explicit output/token-embedding type can get this far)
    throw new QuantsmithError(
      `tensor ${t.name}: row length ${t.shape[0]} is not a multiple of ${target.blockSize}, the block size of ${target.name}`,
    );
  }
}
