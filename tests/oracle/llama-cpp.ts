// The llama.cpp oracle: the prebuilt libllama / libggml-base of node-llama-cpp 3.22.1 (llama.cpp v0.5.0),
// called through koffi. Tests compare Quantsmith's bytes against what these functions write.
// If the library cannot load, importing this module throws: the suite must fail, never skip.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const koffi = require('koffi') as typeof import('koffi');

const binDir = join(dirname(require.resolve('@node-llama-cpp/linux-x64')), '..', 'bins', 'linux-x64');
const ggmlBase = koffi.load(join(binDir, 'libggml-base.so'));
const llama = koffi.load(join(binDir, 'libllama.v0.5.0.so'));

const KvOverride = koffi.struct('llama_model_kv_override', {
  tag: 'int32',
  key: koffi.array('char', 128, 'String'),
  value: koffi.union({ val_i64: 'int64', val_f64: 'double', val_bool: 'bool', val_str: koffi.array('char', 128, 'String') }),
});
const ImatrixData = koffi.struct('llama_model_imatrix_data', { name: 'const char *', data: 'void *', size: 'size_t' });
const TensorOverride = koffi.struct('llama_model_tensor_override', { pattern: 'const char *', type: 'int32' });
const QuantizeParams = koffi.struct('llama_model_quantize_params', {
  nthread: 'int32',
  ftype: 'int32',
  output_tensor_type: 'int32',
  token_embedding_type: 'int32',
  allow_requantize: 'bool',
  quantize_output_tensor: 'bool',
  only_copy: 'bool',
  pure: 'bool',
  keep_split: 'bool',
  dry_run: 'bool',
  imatrix: 'void *',
  kv_overrides: 'void *',
  tt_overrides: 'void *',
  prune_layers: 'void *',
  max_buf_size: 'size_t',
});

const backendInit = llama.func('void llama_backend_init(void)');
const defaultParams = llama.func('llama_model_quantize_params llama_model_quantize_default_params(void)');
const modelQuantize = llama.func('uint32_t llama_model_quantize(const char *, const char *, const llama_model_quantize_params *)');
const quantizeChunk = ggmlBase.func(
  'size_t ggml_quantize_chunk(int32 type, const float *src, void *dst, int64 start, int64 nrows, int64 n_per_row, const float *imatrix)',
);
const rowSize = ggmlBase.func('size_t ggml_row_size(int32 type, int64 ne)');
const requiresImatrix = ggmlBase.func('bool ggml_quantize_requires_imatrix(int32 type)') as (type: number) => boolean;
const fp32ToFp16Row = ggmlBase.func('void ggml_fp32_to_fp16_row(const float *x, uint16_t *y, int64 n)');
const fp32ToBf16RowRef = ggmlBase.func('void ggml_fp32_to_bf16_row_ref(const float *x, uint16_t *y, int64 n)');

backendInit();

export type KvOverrideValue =
  | { type: 'int'; value: bigint | number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'str'; value: string };

export interface OracleQuantizeOptions {
  /** llama_ftype number (LLAMA_FTYPE_MOSTLY_Q4_K_M = 15, …) */
  ftype: number;
  nthread?: number;
  /** ggml type id, or undefined for the default (GGML_TYPE_COUNT = "not set") */
  outputTensorType?: number;
  tokenEmbeddingType?: number;
  allowRequantize?: boolean;
  /** false = --leave-output-tensor */
  quantizeOutputTensor?: boolean;
  pure?: boolean;
  /** COPY: llama-quantize's only_copy */
  onlyCopy?: boolean;
  dryRun?: boolean;
  /**
   * Importance weights per tensor, as llama-quantize's load_imatrix hands them over (already divided by the
   * counts, filtered): passed as the `llama_model_imatrix_data` array ended by a null name.
   */
  imatrix?: { name: string; data: Float32Array }[];
  /** --tensor-type REGEX=TYPE, in order */
  tensorTypes?: { pattern: string; type: number }[];
  /** --override-kv */
  kvOverrides?: { key: string; value: KvOverrideValue }[];
  /** --prune-layers (llama-quantize passes them sorted, without repeats) */
  pruneLayers?: number[];
  /** --keep-split */
  keepSplit?: boolean;
}

/** Runs llama.cpp's quantizer on a file; returns its status (0 = success). */
export function oracleQuantizeFile(input: string, output: string, opts: OracleQuantizeOptions): number {
  const params = defaultParams() as Record<string, unknown>;
  params.ftype = opts.ftype;
  params.nthread = opts.nthread ?? 2;
  if (opts.outputTensorType !== undefined) params.output_tensor_type = opts.outputTensorType;
  if (opts.tokenEmbeddingType !== undefined) params.token_embedding_type = opts.tokenEmbeddingType;
  if (opts.allowRequantize !== undefined) params.allow_requantize = opts.allowRequantize;
  if (opts.quantizeOutputTensor !== undefined) params.quantize_output_tensor = opts.quantizeOutputTensor;
  if (opts.pure !== undefined) params.pure = opts.pure;
  if (opts.onlyCopy !== undefined) params.only_copy = opts.onlyCopy;
  if (opts.dryRun !== undefined) params.dry_run = opts.dryRun;
  if (opts.keepSplit !== undefined) params.keep_split = opts.keepSplit;
  const keepAlive: unknown[] = [];
  if (opts.pruneLayers?.length) {
    // an int32 array ended by -1
    const buf = koffi.alloc('int32', opts.pruneLayers.length + 1);
    koffi.encode(buf, koffi.array('int32', opts.pruneLayers.length + 1), [...opts.pruneLayers, -1]);
    keepAlive.push(buf);
    params.prune_layers = buf;
  }
  if (opts.tensorTypes?.length) {
    // llama-quantize terminates the list with a null pattern
    const rows = [...opts.tensorTypes.map((t) => ({ pattern: t.pattern, type: t.type })), { pattern: null, type: 0 }];
    const buf = koffi.alloc(TensorOverride, rows.length);
    koffi.encode(buf, koffi.array(TensorOverride, rows.length), rows);
    keepAlive.push(buf);
    params.tt_overrides = buf;
  }
  if (opts.kvOverrides?.length) {
    const tags = { int: 0, float: 1, bool: 2, str: 3 } as const;
    const field = { int: 'val_i64', float: 'val_f64', bool: 'val_bool', str: 'val_str' } as const;
    // llama-quantize terminates the list with an empty key
    const rows = [
      ...opts.kvOverrides.map((o) => ({ tag: tags[o.value.type], key: o.key, value: { [field[o.value.type]]: o.value.value } })),
      { tag: 0, key: '', value: { val_i64: 0 } },
    ];
    const buf = koffi.alloc(KvOverride, rows.length);
    koffi.encode(buf, koffi.array(KvOverride, rows.length), rows);
    keepAlive.push(buf);
    params.kv_overrides = buf;
  }
  if (opts.imatrix?.length) {
    const rows: { name: string | null; data: unknown; size: number }[] = opts.imatrix.map((e) => {
      const data = koffi.alloc('float', e.data.length);
      koffi.encode(data, koffi.array('float', e.data.length), Array.from(e.data));
      keepAlive.push(data);
      return { name: e.name, data, size: e.data.length };
    });
    rows.push({ name: null, data: null, size: 0 });
    const buf = koffi.alloc(ImatrixData, rows.length);
    koffi.encode(buf, koffi.array(ImatrixData, rows.length), rows);
    keepAlive.push(buf);
    params.imatrix = buf;
  }
  const status = modelQuantize(input, output, params) as number;
  for (const b of keepAlive) koffi.free(b);
  return status;
}

/**
 * ggml_quantize_chunk on F32 rows: the bytes llama.cpp writes for those rows, with `imatrix` (nPerRow
 * importance weights applied to every row) or without (omitted).
 */
export function oracleQuantizeRows(ggmlType: number, src: Float32Array, nrows: number, nPerRow: number, imatrix?: Float32Array): Uint8Array {
  if (imatrix && imatrix.length !== nPerRow) throw new Error(`imatrix has ${imatrix.length} values for rows of ${nPerRow}`);
  if (!imatrix && requiresImatrix(ggmlType)) throw new Error(`ggml type ${ggmlType} aborts without an imatrix`);
  const size = Number(rowSize(ggmlType, nPerRow)) * nrows;
  const dst = new Uint8Array(size);
  const written = Number(quantizeChunk(ggmlType, src, dst, 0, nrows, nPerRow, imatrix ?? null));
  if (written !== size) throw new Error(`ggml_quantize_chunk wrote ${written} bytes, expected ${size}`);
  return dst;
}

/** ggml_quantize_requires_imatrix: whether ggml refuses (asserts) to quantize this type without one. */
export function oracleRequiresImatrix(ggmlType: number): boolean {
  return requiresImatrix(ggmlType);
}

/** ggml_row_size: bytes of one row of n elements. */
export function oracleRowSize(ggmlType: number, n: number): number {
  return Number(rowSize(ggmlType, n));
}

export function oracleFp32ToFp16(src: Float32Array): Uint16Array {
  const dst = new Uint16Array(src.length);
  fp32ToFp16Row(src, dst, src.length);
  return dst;
}

/** The reference (scalar) F32→BF16 conversion that llama_model_quantize uses for BF16 outputs. */
export function oracleFp32ToBf16(src: Float32Array): Uint16Array {
  const dst = new Uint16Array(src.length);
  fp32ToBf16RowRef(src, dst, src.length);
  return dst;
}

const TypeTraits = koffi.struct('ggml_type_traits', {
  type_name: 'const char *',
  blck_size: 'int64',
  blck_size_interleave: 'int64',
  type_size: 'size_t',
  is_quantized: 'bool',
  to_float: 'void *',
  from_float_ref: 'void *',
});
const getTypeTraits = ggmlBase.func('const ggml_type_traits *ggml_get_type_traits(int32 type)');
const ToFloat = koffi.proto('void ggml_to_float_t(const void *x, float *y, int64 k)');

/** ggml's to_float for a type (dequantize_row_*, fp16/bf16 widening): F32 values of nrows × nPerRow elements. */
export function oracleDequantizeRows(ggmlType: number, src: Uint8Array, nrows: number, nPerRow: number): Float32Array {
  const n = nrows * nPerRow;
  const expected = Number(rowSize(ggmlType, nPerRow)) * nrows;
  if (src.length !== expected) throw new Error(`dequantize source has ${src.length} bytes, expected ${expected}`);
  const dst = new Float32Array(n);
  if (ggmlType === 0) {
    dst.set(new Float32Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.length)));
    return dst;
  }
  const traits = koffi.decode(getTypeTraits(ggmlType), TypeTraits) as { to_float: unknown };
  if (!traits.to_float) throw new Error(`ggml type ${ggmlType} has no to_float`);
  koffi.call(traits.to_float, ToFloat, src, dst, n);
  return dst;
}

const LogCallback = koffi.proto('void ggml_log_callback(int level, const char *text, void *user_data)');
const logSet = llama.func('void llama_log_set(ggml_log_callback *cb, void *user_data)');
let quietLogger: unknown;

/** Silence llama.cpp's (and ggml's) log lines, e.g. the quantizer's per-tensor progress; `false` restores stderr. */
export function oracleQuietLogs(quiet = true): void {
  if (quiet) {
    quietLogger ??= koffi.register(() => {}, koffi.pointer(LogCallback));
    logSet(quietLogger, null);
  } else {
    logSet(null, null);
  }
}

const ModelParams = koffi.struct('llama_model_params', {
  devices: 'void *',
  tensor_buft_overrides: 'void *',
  n_gpu_layers: 'int32',
  split_mode: 'int32',
  load_mode: 'int32',
  lazy_mode: 'int32',
  main_gpu: 'int32',
  tensor_split: 'void *',
  progress_callback: 'void *',
  progress_callback_user_data: 'void *',
  kv_overrides: 'void *',
  vocab_only: 'bool',
  check_tensors: 'bool',
  use_extra_bufts: 'bool',
  no_host: 'bool',
  no_alloc: 'bool',
  load_mtp: 'bool',
});
const modelDefaultParams = llama.func('llama_model_params llama_model_default_params(void)');
const modelLoadFromFile = llama.func('void *llama_model_load_from_file(const char *path, llama_model_params params)');
const modelFree = llama.func('void llama_model_free(void *model)');
const modelGetVocab = llama.func('const void *llama_model_get_vocab(const void *model)');
const vocabNTokens = llama.func('int32 llama_vocab_n_tokens(const void *vocab)');
const tokenizeText = llama.func('int32 llama_tokenize(const void *vocab, const char *text, int32 text_len, _Out_ int32 *tokens, int32 n_tokens_max, bool add_special, bool parse_special)');

const tokenizeBytes = llama.func('int32 llama_tokenize(const void *vocab, const uint8_t *text, int32 text_len, _Out_ int32 *tokens, int32 n_tokens_max, bool add_special, bool parse_special)');

const detokenize = llama.func('int32 llama_detokenize(const void *vocab, const int32 *tokens, int32 n_tokens, _Out_ uint8_t *text, int32 text_len_max, bool remove_special, bool unparse_special)');

export interface OracleVocab {
  readonly nTokens: number;
  /** llama_tokenize with parse_special off */
  tokenize(text: string, addSpecial: boolean): number[];
  /** llama_tokenize of a text's UTF-8 bytes (as Buffer.from writes them: lone surrogates become U+FFFD) */
  tokenizeBytes(text: string | Uint8Array, addSpecial: boolean, parseSpecial: boolean): Int32Array;
  /** llama_detokenize: the bytes of the text */
  detokenize(tokens: Int32Array, removeSpecial: boolean, unparseSpecial: boolean): Uint8Array;
  free(): void;
}

/** Loads only a GGUF file's vocabulary (llama_model_load_from_file with vocab_only); null if llama.cpp refuses it. */
export function oracleLoadVocab(path: string): OracleVocab | null {
  const params = modelDefaultParams() as Record<string, unknown>;
  params.vocab_only = true;
  const model = modelLoadFromFile(path, params);
  if (!model) return null;
  const vocab = modelGetVocab(model);
  return {
    nTokens: vocabNTokens(vocab) as number,
    tokenize(text: string, addSpecial: boolean): number[] {
      const bytes = Buffer.from(text, 'utf8');
      const out = new Int32Array(bytes.length + 8);
      const n = tokenizeText(vocab, text, bytes.length, out, out.length, addSpecial, false) as number;
      if (n < 0) throw new Error(`llama_tokenize needs ${-n} tokens`);
      return [...out.subarray(0, n)];
    },
    tokenizeBytes(text: string | Uint8Array, addSpecial: boolean, parseSpecial: boolean): Int32Array {
      const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      let out = new Int32Array(bytes.length + 16);
      let n = tokenizeBytes(vocab, bytes, bytes.length, out, out.length, addSpecial, parseSpecial) as number;
      if (n < 0) {
        out = new Int32Array(-n);
        n = tokenizeBytes(vocab, bytes, bytes.length, out, out.length, addSpecial, parseSpecial) as number;
      }
      return out.slice(0, n);
    },
    detokenize(tokens: Int32Array, removeSpecial: boolean, unparseSpecial: boolean): Uint8Array {
      let buf = new Uint8Array(tokens.length * 8 + 16);
      let n = detokenize(vocab, tokens, tokens.length, buf, buf.length, removeSpecial, unparseSpecial) as number;
      if (n < 0) {
        buf = new Uint8Array(-n);
        n = detokenize(vocab, tokens, tokens.length, buf, buf.length, removeSpecial, unparseSpecial) as number;
      }
      return buf.slice(0, n);
    },
    free: () => modelFree(model),
  };
}

/** The loaded libraries and model-loading bindings, shared with other oracle modules (perplexity.ts). */
export const oracleNative = { koffi, binDir, llama, ggmlBase, modelDefaultParams, modelLoadFromFile, modelFree, modelGetVocab, vocabNTokens };

// Tokenizer internals of libllama (C++ symbols it exports), for checking the tables the tokenizer records.
const cptFlags = llama.func('uint16 _Z26unicode_cpt_flags_from_cptj(uint32 cpt)');

/** unicode.cpp's unicode_cpt_flags_from_cpt: the flag bits (unicode.h) llama.cpp's pre-tokenizers test. */
export function oracleCodepointFlags(cp: number): number {
  return cptFlags(cp) as number;
}
