// What a user asks of the quantizer, mirroring llama-quantize's options, and parsers for the
// command-line / URL spellings of the compound ones (`--tensor-type REGEX=TYPE`, `--override-kv KEY=TYPE:VALUE`).
import { QuantsmithError } from '../errors.ts';
import type { ImportanceMatrix } from '../imatrix/imatrix.ts';
import { ggmlTypeByName, type GgmlTypeTraits } from './ggml-types.ts';

export interface TensorTypeOverride {
  /** ECMAScript regular expression searched (not anchored) in each tensor name; the first matching override wins */
  readonly pattern: string;
  /** ggml type name, case-insensitive: "q8_0", "Q6_K", "f16" */
  readonly type: string;
}

export type KvOverride =
  | { readonly key: string; readonly type: 'int'; readonly value: number | bigint }
  | { readonly key: string; readonly type: 'float'; readonly value: number }
  | { readonly key: string; readonly type: 'bool'; readonly value: boolean }
  | { readonly key: string; readonly type: 'str'; readonly value: string };

export interface QuantizeOptions {
  /** llama-quantize's type word: "Q4_K_M" (also "Q4_K", or the ftype number as a string) */
  readonly ftype: string;
  /** --output-tensor-type: ggml type name for output.weight (and a tied token_embd) */
  readonly outputTensorType?: string;
  /** --token-embedding-type: ggml type name for token_embd.weight */
  readonly tokenEmbeddingType?: string;
  /** --leave-output-tensor: keep output.weight in its source type */
  readonly leaveOutputTensor?: boolean;
  /** --pure: no k-quant mixture, every quantizable tensor gets the ftype's default type */
  readonly pure?: boolean;
  /** --tensor-type, in order (the entries of --tensor-type-file files included where they were given) */
  readonly tensorTypes?: readonly TensorTypeOverride[];
  /** --tensor-type-file: the files' names, for the record; their entries are in tensorTypes */
  readonly tensorTypeFiles?: readonly string[];
  /** --override-kv, in order */
  readonly kvOverrides?: readonly KvOverride[];
  /** --allow-requantize: accept inputs whose tensors are already quantized */
  readonly allowRequantize?: boolean;
  /** --imatrix: the importance matrix file's name as given (written to quantize.imatrix.file) */
  readonly imatrixFile?: string;
  /** the importance matrix read from that file (read-imatrix.ts); required with imatrixFile */
  readonly imatrix?: ImportanceMatrix;
  /**
   * --include-weights / --exclude-weights filter the importance matrix's entries by substring of the
   * tensor name (without an importance matrix, as in llama-quantize, they change nothing). Both at once are refused.
   */
  readonly includeWeights?: readonly string[];
  readonly excludeWeights?: readonly string[];
  /**
   * --dry-run: the plan only. As in llama-quantize, a type that needs an importance matrix is then planned
   * without one (QuantPlan.imatrixRequired says which tensor needs it) instead of refused.
   */
  readonly dryRun?: boolean;
  /** --prune-layers: block numbers to drop (later blocks are renumbered), sorted and without repeats */
  readonly pruneLayers?: readonly number[];
  /** --keep-split: the output in the input's shards (tensors in the shards' file order) */
  readonly keepSplit?: boolean;
  /** gguf-split --split-max-size, in bytes: the output split as llama-gguf-split --split would split it */
  readonly splitMaxSize?: number;
  /** gguf-split --split-max-tensors */
  readonly splitMaxTensors?: number;
}

/** llama_model_kv_override's fixed char[128] fields: at most 127 bytes of key or string value. */
export const KV_OVERRIDE_MAX_BYTES = 127;

/** A ggml type by name (case-insensitive, as llama-quantize's parse_ggml_type); `what` names the option in the error. */
export function parseGgmlTypeName(name: string, what: string): GgmlTypeTraits {
  const t = ggmlTypeByName(name.trim());
  if (!t) throw new QuantsmithError(`invalid ggml type '${name}' for ${what}`);
  return t;
}

/**
 * `REGEX=TYPE` as llama-quantize's --tensor-type parses it: split at the first '=', the name part
 * lowercased (llama-quantize does this), the type a ggml type name.
 */
export function parseTensorTypeOption(text: string): TensorTypeOverride {
  const eq = text.indexOf('=');
  if (eq < 0) throw new QuantsmithError(`malformed tensor type '${text}': expected REGEX=TYPE`);
  if (eq === 0) throw new QuantsmithError(`malformed tensor type '${text}': missing tensor name`);
  const typeWord = text.slice(eq + 1);
  if (typeWord.length === 0) throw new QuantsmithError(`malformed tensor type '${text}': missing quantization type`);
  const type = parseGgmlTypeName(typeWord, `tensor type '${text}'`);
  return { pattern: text.slice(0, eq).toLowerCase(), type: type.name };
}

/**
 * A --tensor-type-file's text as llama-quantize reads it: REGEX=TYPE entries separated by white space, each
 * parsed as --tensor-type parses it. `file` names the file in messages.
 */
export function parseTensorTypeFile(text: string, file: string): TensorTypeOverride[] {
  return text.split(/[ \t\n\v\f\r]+/).filter((w) => w !== '').map((word) => {
    try {
      return parseTensorTypeOption(word);
    } catch (e) {
      if (e instanceof QuantsmithError) throw new QuantsmithError(`${file}: ${e.message}`);
      throw e;
    }
  });
}

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `KEY=TYPE:VALUE` as llama-quantize's --override-kv parses it (TYPE is int, float, bool or str).
 * Stricter than llama.cpp in one way: a value that is not a number for int/float is refused, where
 * llama.cpp's atol/atof would silently read 0.
 */
export function parseKvOverrideOption(text: string): KvOverride {
  const eq = text.indexOf('=');
  if (eq < 0) throw new QuantsmithError(`malformed KV override '${text}': expected KEY=TYPE:VALUE`);
  const key = text.slice(0, eq);
  checkKvOverrideKey(key, text);
  const rest = text.slice(eq + 1);
  const colon = rest.indexOf(':');
  const type = colon < 0 ? rest : rest.slice(0, colon);
  const value = colon < 0 ? '' : rest.slice(colon + 1);
  switch (colon < 0 ? '' : type) {
    case 'int': {
      if (!INT_TEXT.test(value)) throw new QuantsmithError(`invalid integer value for KV override '${text}'`);
      const n = BigInt(value);
      if (n < INT64_MIN || n > INT64_MAX) throw new QuantsmithError(`integer value out of range for KV override '${text}'`);
      return { key, type: 'int', value: n };
    }
    case 'float': {
      if (!FLOAT_TEXT.test(value)) throw new QuantsmithError(`invalid float value for KV override '${text}'`);
      const lower = value.toLowerCase().replace(/^\+/, '');
      const named = lower.endsWith('nan') || lower.endsWith('inf') || lower.endsWith('infinity');
      const x = lower.endsWith('nan') ? NaN : named ? (lower.startsWith('-') ? -Infinity : Infinity) : Number(value);
      // llama-quantize writes the value as a 32-bit float: a number written out that does not fit would
      // silently become infinity or zero there
      if (!named && !Number.isFinite(Math.fround(x))) {
        throw new QuantsmithError(`float value out of range for KV override '${text}': beyond a 32-bit float's ±3.4e38`);
      }
      if (x !== 0 && Math.fround(x) === 0) {
        throw new QuantsmithError(`float value out of range for KV override '${text}': too small for a 32-bit float, it would become 0`);
      }
      return { key, type: 'float', value: x };
    }
    case 'bool':
      if (value === 'true') return { key, type: 'bool', value: true };
      if (value === 'false') return { key, type: 'bool', value: false };
      throw new QuantsmithError(`invalid boolean value for KV override '${text}': expected true or false`);
    case 'str':
      checkKvOverrideString(value, text);
      return { key, type: 'str', value };
    default:
      throw new QuantsmithError(`invalid type for KV override '${text}': expected int, float, bool or str`);
  }
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/** A key must be non-empty (llama.cpp takes an empty key as the end of the list) and fit in 127 bytes. */
export function checkKvOverrideKey(key: string, what: string = key): void {
  if (key.length === 0) throw new QuantsmithError(`malformed KV override '${what}': missing key`);
  if (key.includes('\0')) throw new QuantsmithError(`malformed KV override '${what}': key contains a NUL character`);
  if (utf8Length(key) > KV_OVERRIDE_MAX_BYTES) {
    throw new QuantsmithError(`malformed KV override '${what}': key exceeds ${KV_OVERRIDE_MAX_BYTES} bytes`);
  }
}

export function checkKvOverrideString(value: string, what: string): void {
  if (value.includes('\0')) throw new QuantsmithError(`malformed KV override '${what}': value contains a NUL character`);
  if (utf8Length(value) > KV_OVERRIDE_MAX_BYTES) {
    throw new QuantsmithError(`malformed KV override '${what}', value cannot exceed ${KV_OVERRIDE_MAX_BYTES} bytes`);
  }
}

/**
 * `L0,L1,…` as llama-quantize's --prune-layers parses it: each comma-separated part read as std::stoi
 * reads it (leading white space and a sign, digits, anything after them ignored), a negative or
 * unreadable part refused; the list sorted and its repeats dropped.
 */
export function parsePruneLayersOption(text: string): number[] {
  const ids = text.split(',').map((part) => {
    const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(part);
    const id = m ? Number(m[1]) : -1;
    if (!Number.isSafeInteger(id) || id < 0 || id > 2 ** 31 - 1) throw new QuantsmithError(`invalid layer id '${part}' for --prune-layers`);
    return id;
  });
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** `N[M|G]` as gguf-split reads --split-max-size: N decimal megabytes (10^6) or gigabytes (10^9), N > 0. */
export function parseSplitSizeOption(text: string): number {
  const unit = text.at(-1);
  if (unit !== 'M' && unit !== 'G') throw new QuantsmithError(`--split-max-size '${text}': supported units are M (megabytes) or G (gigabytes)`);
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  const n = m ? Number(m[1]) : 0;
  if (!(n > 0) || n > 2 ** 31 - 1) throw new QuantsmithError(`--split-max-size '${text}': size must be a positive value`);
  return n * (unit === 'M' ? 1e6 : 1e9);
}

/** A whole number of tensors per shard, at least 1. */
export function parseSplitTensorsOption(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new QuantsmithError(`--split-max-tensors '${text}': expected a whole number of at least 1`);
  return n;
}
