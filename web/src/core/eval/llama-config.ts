// What the evaluator needs to know about a model, read from its GGUF metadata and tensor table, with the
// shapes checked up front so a bad file fails before any work. The architectures of arch-traits.ts (Llama
// and Mistral, Qwen2, Qwen3, Phi-3, Gemma 2, Gemma 3); anything else is refused by name.
import { QuantsmithError } from '../errors.ts';
import { getArray, getBool, getKV, getNumber, getNumberOrArray, getString, type HasMetadata } from '../formats/gguf/metadata.ts';
import { GgufValueType } from '../formats/gguf/model.ts';
import { bpePreTokenizer } from './tokenizer/bpe.ts';
import { ARCH_TRAITS, type ArchTraits } from './arch-traits.ts';
import { ROPE_FACTOR_TENSORS } from './rope.ts';
import { ropeScaling, type RopeScaling } from './rope-scaling.ts';

export const SUPPORTED_ARCHITECTURES: readonly string[] = Object.keys(ARCH_TRAITS);

/** A tensor as the evaluator sees it: name, ggml shape (shape[0] = row length) and type. */
export interface ModelTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
}

export interface LlamaConfig {
  readonly arch: string;
  readonly traits: ArchTraits;
  /** Q, K and V come from one matrix (attn_qkv.weight), in that order */
  readonly fusedQkv: boolean;
  /** ffn_up.weight holds gate then up (no ffn_gate.weight), as Phi-3 writes it */
  readonly fusedGateUp: boolean;
  /** Q is multiplied by this before attention; 0: the attention scales by 1/sqrt(head size) itself */
  readonly queryScale: number;
  /** attention-score soft-capping (0 = none) */
  readonly attnSoftcap: number;
  /** final-logit soft-capping (0 = none) */
  readonly finalSoftcap: number;
  /** sliding window in tokens for the layers marked in swaLayers (0 = no windowed layers) */
  readonly nSwa: number;
  readonly swaLayers: readonly boolean[];
  /** rope base and scale of the windowed layers */
  readonly ropeFreqBaseSwa: number;
  readonly ropeFreqScaleSwa: number;
  readonly nLayer: number;
  readonly nEmbd: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  /** rotated dimensions per head (rope.dimension_count) */
  readonly nRot: number;
  readonly nFf: number;
  readonly nVocab: number;
  readonly rmsEps: number;
  readonly ropeFreqBase: number;
  readonly ropeFreqScale: number;
  /** rope_freqs.weight (Llama 3 frequency factors) is present */
  readonly ropeFreqFactors: boolean;
  /** linear / YaRN / LongRoPE scaling as llama.cpp applies it (ropeFreqScale is its freqScale) */
  readonly ropeScaling: RopeScaling;
  readonly bosToken: number;
  readonly addBos: boolean;
  /** the output projection is token_embd.weight (no output.weight) */
  readonly tiedOutput: boolean;
}

/** Parses and checks a model; `label` names it in messages (a file name). */
export function llamaConfig(model: HasMetadata & { readonly tensors: readonly ModelTensorInfo[] }, label: string): LlamaConfig {
  const arch = getString(model, 'general.architecture');
  if (arch === undefined) throw new QuantsmithError(`${label}: no general.architecture in its metadata`);
  if (!SUPPORTED_ARCHITECTURES.includes(arch)) {
    throw new QuantsmithError(`${label}: the evaluator does not support architecture '${arch}' (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  }
  const need = (key: string): number => {
    const v = getNumber(model, `${arch}.${key}`);
    if (v === undefined) throw new QuantsmithError(`${label}: metadata key '${arch}.${key}' is missing`);
    return v;
  };
  const perLayer = (key: string, fallback?: number): number => {
    const v = getNumberOrArray(model, `${arch}.${key}`) ?? fallback;
    if (v === undefined) throw new QuantsmithError(`${label}: metadata key '${arch}.${key}' is missing`);
    if (Array.isArray(v)) {
      if (v.some((x) => x !== v[0])) throw new QuantsmithError(`${label}: per-layer '${arch}.${key}' values that differ are not supported by the evaluator`);
      return v[0];
    }
    return v;
  };
  const traits = ARCH_TRAITS[arch];
  const expertCount = getNumber(model, `${arch}.expert_count`) ?? 0;
  if (expertCount > 0) throw new QuantsmithError(`${label}: the evaluator does not support mixture-of-experts models yet (${expertCount} experts)`);

  const nLayer = need('block_count');
  const nEmbd = need('embedding_length');
  const nHead = perLayer('attention.head_count');
  const nHeadKv = perLayer('attention.head_count_kv', nHead);
  const nFf = perLayer('feed_forward_length');
  const headDim = getNumber(model, `${arch}.attention.key_length`) ?? nEmbd / nHead;
  const nRot = getNumber(model, `${arch}.rope.dimension_count`) ?? headDim;
  const scaling = ropeScaling(model, arch, label);
  const ropeFreqScale = scaling.freqScale;
  // partial rotary (Phi-4-mini's 3/4 of each head) rotates the first nRot dimensions and copies the rest
  if (!Number.isInteger(headDim) || headDim <= 0 || nHeadKv <= 0 || nHead % nHeadKv !== 0 || !(nRot > 0 && nRot <= headDim && nRot % 2 === 0)) {
    throw new QuantsmithError(`${label}: inconsistent attention shape (${nHead} heads, ${nHeadKv} KV heads, head size ${headDim}, ${nRot} rotated)`);
  }

  const byName = new Map(model.tensors.map((t) => [t.name, t]));
  const factorNames = ROPE_FACTOR_TENSORS.filter((n) => byName.has(n));
  const takes = (n: string): boolean => traits.ropeFactors === 'phi3' ? n !== 'rope_freqs.weight'
    : traits.ropeFactors === 'llama' && (n === 'rope_freqs.weight') !== (scaling.type === 'longrope');
  for (const n of factorNames) {
    if (!takes(n)) throw new QuantsmithError(`${label}: '${n}' is not used by llama.cpp's ${arch} graph${traits.ropeFactors === 'llama' ? ` with rope scaling '${scaling.type}'` : ''} (llama.cpp would not load this file)`);
  }
  for (const n of ROPE_FACTOR_TENSORS) {
    if (byName.has(`blk.0.${n}`)) throw new QuantsmithError(`${label}: per-layer rope factors ('blk.0.${n}') are not supported by the evaluator`);
  }
  if ((scaling.type === 'yarn' || factorNames.some((n) => n !== 'rope_freqs.weight')) && !scaling.nCtxOrig) {
    throw new QuantsmithError(`${label}: metadata key '${arch}.context_length' is missing`);
  }
  const fusedQkv = byName.has('blk.0.attn_qkv.weight');
  const fusedGateUp = arch === 'phi3' && !byName.has('blk.0.ffn_gate.weight');
  const tokenEmbd = byName.get('token_embd.weight');
  if (!tokenEmbd) throw new QuantsmithError(`${label}: tensor 'token_embd.weight' is missing`);
  const nVocab = tokenEmbd.shape[1] ?? 0;
  const vocabList = getArray(model, 'tokenizer.ggml.tokens');
  if (vocabList && vocabList.length !== nVocab) {
    throw new QuantsmithError(`${label}: the vocabulary has ${vocabList.length} tokens but token_embd.weight has ${nVocab} rows`);
  }
  const expect = (name: string, shape: number[], optional = false): void => {
    const t = byName.get(name);
    if (!t) {
      if (optional) return;
      throw new QuantsmithError(`${label}: tensor '${name}' is missing`);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new QuantsmithError(`${label}: tensor '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  };
  const qDim = nHead * headDim;
  const kvDim = nHeadKv * headDim;
  expect('token_embd.weight', [nEmbd, nVocab]);
  expect('output_norm.weight', [nEmbd]);
  expect('output.weight', [nEmbd, nVocab], true);
  for (const n of ROPE_FACTOR_TENSORS) expect(n, [nRot / 2], true);
  for (let i = 0; i < nLayer; i++) {
    const b = `blk.${i}`;
    expect(`${b}.attn_norm.weight`, [nEmbd]);
    if (fusedQkv) expect(`${b}.attn_qkv.weight`, [nEmbd, qDim + 2 * kvDim]);
    else {
      expect(`${b}.attn_q.weight`, [nEmbd, qDim]);
      expect(`${b}.attn_k.weight`, [nEmbd, kvDim]);
      expect(`${b}.attn_v.weight`, [nEmbd, kvDim]);
    }
    expect(`${b}.attn_output.weight`, [qDim, nEmbd]);
    if (traits.qkNorm) {
      expect(`${b}.attn_q_norm.weight`, [headDim]);
      expect(`${b}.attn_k_norm.weight`, [headDim]);
    }
    if (traits.postNorms) {
      expect(`${b}.post_attention_norm.weight`, [nEmbd]);
      expect(`${b}.post_ffw_norm.weight`, [nEmbd]);
    }
    expect(`${b}.ffn_norm.weight`, [nEmbd]);
    if (fusedGateUp) expect(`${b}.ffn_up.weight`, [nEmbd, 2 * nFf]);
    else {
      expect(`${b}.ffn_gate.weight`, [nEmbd, nFf]);
      expect(`${b}.ffn_up.weight`, [nEmbd, nFf]);
    }
    expect(`${b}.ffn_down.weight`, [nFf, nEmbd]);
    for (const [n, d] of [['attn_q', qDim], ['attn_k', kvDim], ['attn_v', kvDim], ['attn_output', nEmbd]] as const) {
      expect(`${b}.${n}.bias`, [d], true);
    }
  }
  const num = (key: string, fallback: number): number => getNumber(model, `${arch}.${key}`) ?? fallback;
  const ropeFreqBase = Math.fround(num('rope.freq_base', 10000));
  const sw = traits.slidingWindow;
  const nSwa = sw ? num('attention.sliding_window', sw.window) : 0;
  const swaLayers = Array.from({ length: nLayer }, (_, i) => nSwa > 0 && swaLayer(model, arch, sw!.pattern, i, label));
  // Gemma's 27B models scale queries by n_embd / n_head instead of the head size (gemma2/gemma3 load_arch_hparams)
  const gemma27b = (arch === 'gemma2' && nLayer === 46) || (arch === 'gemma3' && nLayer === 62);
  const queryScale = traits.queryPreScale ? Math.fround(1 / Math.fround(Math.sqrt(gemma27b ? Math.trunc(nEmbd / nHead) : headDim))) : 0;
  return {
    arch, traits, fusedQkv, fusedGateUp, queryScale,
    attnSoftcap: traits.attnSoftcapDefault === undefined ? 0 : Math.fround(num('attn_logit_softcapping', traits.attnSoftcapDefault)),
    finalSoftcap: Math.fround(num('final_logit_softcapping', traits.finalSoftcapDefault)),
    nSwa, swaLayers,
    ropeFreqBaseSwa: Math.fround(num('rope.freq_base_swa', sw?.swaBaseDefault === 'train' ? ropeFreqBase : (sw?.swaBaseDefault ?? 10000))),
    ropeFreqScaleSwa: sw?.swaBaseDefault === 'train' ? scaling.freqScaleTrain : 1,
    nLayer, nEmbd, nHead, nHeadKv, headDim, nRot, nFf, nVocab,
    rmsEps: Math.fround(need('attention.layer_norm_rms_epsilon')),
    ropeFreqBase,
    ropeFreqScale,
    ropeFreqFactors: byName.has('rope_freqs.weight'),
    ropeScaling: scaling,
    ...bosSettings(model),
    tiedOutput: !byName.has('output.weight'),
  };
}

/**
 * The BOS llama-perplexity puts first in each chunk: the file's keys, else llama.cpp's defaults for its
 * tokenizer (SentencePiece adds BOS 1; most BPE pre-tokenizers, GPT-2's among them, add none).
 */
function bosSettings(model: HasMetadata): { bosToken: number; addBos: boolean } {
  const bpe = getString(model, 'tokenizer.ggml.model') === 'gpt2';
  let defaults: { addBos: boolean; noBos?: boolean } = { addBos: true };
  if (bpe) {
    try {
      defaults = bpePreTokenizer(getString(model, 'tokenizer.ggml.pre') ?? '').defaults;
    } catch {
      // an unknown pre-tokenizer: the tokenizer refuses it by name when the text is tokenized
    }
  }
  return {
    bosToken: getNumber(model, 'tokenizer.ggml.bos_token_id') ?? (bpe ? 11 : 1),
    addBos: getBool(model, 'tokenizer.ggml.add_bos_token') ?? defaults.addBos,
  };
}

/** Whether layer i uses the sliding window: the file's per-layer pattern array, or its (or the default) period. */
function swaLayer(model: HasMetadata, arch: string, defaultPattern: number, i: number, label: string): boolean {
  const key = `${arch}.attention.sliding_window_pattern`;
  if (getKV(model, key)?.type === GgufValueType.ARRAY) {
    const v = getArray(model, key)![i];
    if (v === undefined) throw new QuantsmithError(`${label}: '${arch}.attention.sliding_window_pattern' has no entry for layer ${i}`);
    return Boolean(v);
  }
  const n = getNumber(model, `${arch}.attention.sliding_window_pattern`) ?? defaultPattern;
  return n === 0 || i % n < n - 1;
}

/** Why two models cannot be compared token for token, or undefined when they can. */
export function incompatibility(a: LlamaConfig, b: LlamaConfig): string | undefined {
  if (a.arch !== b.arch) return `architecture '${b.arch}' differs from '${a.arch}'`;
  if (a.nVocab !== b.nVocab) return `vocabulary of ${b.nVocab} tokens differs from ${a.nVocab}`;
  // A pruned output (--prune-layers) has fewer blocks than its source and is compared like any output: a
  // KL divergence compares vocabularies, not depth. More blocks than the source cannot be a pruning of it.
  if (b.nLayer > a.nLayer) return `block count ${b.nLayer} is more than the source's ${a.nLayer}`;
  const keys = [['nEmbd', 'embedding length'], ['nHead', 'head count'], ['nHeadKv', 'KV head count'],
    ['headDim', 'head size'], ['nFf', 'feed-forward length']] as const;
  for (const [k, words] of keys) if (a[k] !== b[k]) return `${words} ${b[k]} differs from ${a[k]}`;
  if (a.bosToken !== b.bosToken || a.addBos !== b.addBos) return 'the BOS token settings differ';
  return undefined;
}

/** Names of the tensors block `layer` uses (those present in the model), the model-wide rope factors among them. */
export function blockTensorNames(layer: number, has: (name: string) => boolean): string[] {
  const b = `blk.${layer}`;
  const names = ['attn_norm.weight', 'attn_qkv.weight', 'attn_q.weight', 'attn_k.weight', 'attn_v.weight', 'attn_output.weight',
    'attn_qkv.bias', 'attn_q.bias', 'attn_k.bias', 'attn_v.bias', 'attn_output.bias', 'attn_q_norm.weight', 'attn_k_norm.weight',
    'post_attention_norm.weight', 'ffn_norm.weight', 'ffn_gate.weight', 'ffn_up.weight', 'ffn_down.weight', 'post_ffw_norm.weight'].map((n) => `${b}.${n}`);
  return names.concat(ROPE_FACTOR_TENSORS).filter(has);
}
