// The few hyperparameters llama.cpp's quantization rules depend on, read the way its model loader
// reads them: typed getters that refuse a wrong value type, and --override-kv values taking the place
// of the file's (llama_model_quantize hands the overrides to the loader as well as to the output).
import { QuantsmithError, quoted } from '../errors.ts';
import { GgufValueType, type GgufArray, type GgufKV } from '../formats/gguf/model.ts';
import { KNOWN_ARCHITECTURES } from './known-architectures.ts';
import type { KvOverride } from './options.ts';
import { ARCH_REQUIRED_KEYS, UNSUPPORTED_ARCHITECTURES, type RequiredKey } from './required-keys.ts';

export interface QuantHparams {
  /** general.architecture */
  readonly arch: string;
  /** {arch}.block_count (n_layer_all) */
  readonly nLayer: number;
  /** {arch}.expert_count, 0 when absent */
  readonly nExpert: number;
  /** n_head / n_head_kv of layer 0, 0 when there are no KV heads */
  readonly nGqa: number;
  /** llama.cpp's LLM_TYPE_70B, which gives attn_v one more bump */
  readonly is70B: boolean;
}

/** LLAMA_MAX_LAYERS */
const MAX_LAYERS = 512;

const typeNames: Record<number, string> = {
  [GgufValueType.UINT8]: 'u8', [GgufValueType.INT8]: 'i8', [GgufValueType.UINT16]: 'u16', [GgufValueType.INT16]: 'i16',
  [GgufValueType.UINT32]: 'u32', [GgufValueType.INT32]: 'i32', [GgufValueType.FLOAT32]: 'f32', [GgufValueType.BOOL]: 'bool',
  [GgufValueType.STRING]: 'str', [GgufValueType.ARRAY]: 'arr', [GgufValueType.UINT64]: 'u64', [GgufValueType.INT64]: 'i64',
  [GgufValueType.FLOAT64]: 'f64',
};

class LoaderView {
  private readonly byKey: ReadonlyMap<string, GgufKV>;
  private readonly overrides: ReadonlyMap<string, KvOverride>;

  constructor(metadata: readonly GgufKV[], overrides: readonly KvOverride[]) {
    this.byKey = new Map(metadata.map((kv) => [kv.key, kv]));
    // the loader keeps one override per key: the first given (std::unordered_map::emplace)
    const m = new Map<string, KvOverride>();
    for (const o of overrides) if (!m.has(o.key)) m.set(o.key, o);
    this.overrides = m;
  }

  /** Whether a getter of this kind finds the key: get_key takes an override in its place, the others do not. */
  finds(key: string, getter: 'key' | 'key-or-arr' | 'arr'): boolean {
    const kv = this.byKey.get(key);
    if (getter === 'arr') return kv?.type === GgufValueType.ARRAY;
    return kv !== undefined || (getter === 'key' && this.overrides.has(key));
  }

  /** get_key<uint32_t>: an int override (truncated to 32 bits) wins; else the file's value, which must be u32. */
  u32(key: string, required: boolean): number | undefined {
    const o = this.overrides.get(key);
    if (o?.type === 'int') return Number(BigInt.asUintN(32, BigInt(o.value)));
    const kv = this.byKey.get(key);
    if (kv === undefined) {
      if (required) throw new QuantsmithError(`llama.cpp cannot load this model: key not found in model: ${key}`);
      return undefined;
    }
    if (kv.type !== GgufValueType.UINT32) {
      throw new QuantsmithError(`llama.cpp cannot load this model: key ${key} has wrong type ${typeNames[kv.type]} but expected type u32`);
    }
    return kv.value as number;
  }

  /** items of an array entry, undefined when the key is absent or not an array */
  arrayLength(key: string): number | undefined {
    const kv = this.byKey.get(key);
    return kv?.type === GgufValueType.ARRAY ? (kv.value as GgufArray).items.length : undefined;
  }

  str(key: string): string | undefined {
    const o = this.overrides.get(key);
    if (o?.type === 'str') return o.value;
    const kv = this.byKey.get(key);
    if (kv === undefined) return undefined;
    if (kv.type !== GgufValueType.STRING) {
      throw new QuantsmithError(`llama.cpp cannot load this model: key ${key} has wrong type ${typeNames[kv.type]} but expected type str`);
    }
    return kv.value as string;
  }

  /** get_key_or_arr for a per-layer u32: layer 0's value; overrides apply only to a scalar that is in the file. */
  layer0(key: string, nLayer: number): number | undefined {
    const kv = this.byKey.get(key);
    if (kv === undefined) return undefined;
    if (kv.type !== GgufValueType.ARRAY) return this.u32(key, false);
    const arr = kv.value as GgufArray;
    if (arr.items.length !== nLayer) {
      throw new QuantsmithError(`llama.cpp cannot load this model: key ${key} has wrong array length; expected ${nLayer}, got ${arr.items.length}`);
    }
    const ok = arr.itemType === GgufValueType.UINT32 || arr.itemType === GgufValueType.INT32 || arr.itemType === GgufValueType.BOOL;
    if (!ok) throw new QuantsmithError(`llama.cpp cannot load this model: ${key} has wrong array element type ${typeNames[arr.itemType]}`);
    const first = arr.items[0];
    // int32 items are reinterpreted as uint32, bools as 0/1
    return typeof first === 'boolean' ? Number(first) : Number(first) >>> 0;
  }
}

/** Architectures whose loaders call an 80-layer (68 for jais2) model LLM_TYPE_70B. */
function is70BModel(arch: string, nLayer: number, nHead: number, nHeadKv: number, nExpert: number): boolean {
  switch (arch) {
    case 'llama': return nExpert !== 8 && nLayer === 80 && nHead !== nHeadKv;
    case 'qwen2': case 'deci': case 'olmo': return nLayer === 80;
    case 'jais2': return nLayer === 68;
    default: return false;
  }
}

/** load_hparams' own required keys, before the architecture's: all but clip's, and wavtokenizer-dec's extra ones. */
function commonRequiredKeys(arch: string): string[] {
  if (arch === 'clip') return [];
  const keys = ['context_length', 'embedding_length', 'block_count'];
  if (arch === 'wavtokenizer-dec') {
    keys.push('features_length', 'posnet.embedding_length', 'posnet.block_count', 'convnext.embedding_length', 'convnext.block_count');
  }
  return keys.map((k) => `${arch}.${k}`);
}

/**
 * deepseek2's loader (and mistral4's, which inherits it) asks for attention.q_lora_rank except in its "lite"
 * variants: 26 or 27 layers, or 48 with a 128256-token vocabulary (layers without the nextn ones).
 */
function conditionalRequiredKeys(view: LoaderView, arch: string): string[] {
  if (arch !== 'deepseek2' && arch !== 'mistral4') return [];
  const nLayer = (view.u32(`${arch}.block_count`, true) ?? 0) - (view.u32(`${arch}.nextn_predict_layers`, false) ?? 0);
  const nVocab = view.u32(`${arch}.vocab_size`, false) ?? view.arrayLength('tokenizer.ggml.tokens') ?? 0;
  const lite = nLayer === 27 || nLayer === 26 || (nLayer === 48 && nVocab === 128256);
  return lite ? [] : [`${arch}.attention.q_lora_rank`];
}

/** llama-quantize stops at the first required key its loader does not find, naming it. */
function checkRequiredKeys(view: LoaderView, arch: string): void {
  const entries: RequiredKey[] = [...commonRequiredKeys(arch), ...(ARCH_REQUIRED_KEYS[arch] ?? [])];
  for (const entry of entries) {
    const [key, getter] = typeof entry === 'string' ? [entry, 'key' as const] : entry;
    if (!view.finds(key, getter)) {
      throw new QuantsmithError(`llama.cpp cannot load this model: ${getter === 'arr' ? 'array key' : 'key'} not found in model: ${key}`);
    }
  }
  for (const key of conditionalRequiredKeys(view, arch)) {
    if (!view.finds(key, 'key')) throw new QuantsmithError(`llama.cpp cannot load this model: key not found in model: ${key}`);
  }
}

export function readQuantHparams(metadata: readonly GgufKV[], overrides: readonly KvOverride[]): QuantHparams {
  const view = new LoaderView(metadata, overrides);
  const arch = view.str('general.architecture');
  if (arch === undefined) throw new QuantsmithError('llama.cpp cannot load this model: key not found in model: general.architecture');
  if (!KNOWN_ARCHITECTURES.has(arch)) throw new QuantsmithError(`llama.cpp cannot load this model: unknown model architecture: ${quoted(arch)}`);
  if (UNSUPPORTED_ARCHITECTURES.has(arch)) throw new QuantsmithError(`llama.cpp cannot load this model: unsupported model architecture: ${quoted(arch)}`);
  checkRequiredKeys(view, arch);
  const nLayer = view.u32(`${arch}.block_count`, true) as number;
  if (nLayer <= 0 || nLayer > MAX_LAYERS) {
    throw new QuantsmithError(`llama.cpp cannot load this model: ${arch}.block_count is ${nLayer}, expected 1 to ${MAX_LAYERS}`);
  }
  const nNextn = view.u32(`${arch}.nextn_predict_layers`, false) ?? 0;
  const nExpert = view.u32(`${arch}.expert_count`, false) ?? 0;
  const nHead = view.layer0(`${arch}.attention.head_count`, nLayer) ?? 0;
  const nHeadKv = view.layer0(`${arch}.attention.head_count_kv`, nLayer) ?? nHead;
  return {
    arch,
    nLayer,
    nExpert,
    nGqa: nHeadKv === 0 ? 0 : Math.floor(nHead / nHeadKv),
    is70B: is70BModel(arch, nLayer - nNextn, nHead, nHeadKv, nExpert),
  };
}
