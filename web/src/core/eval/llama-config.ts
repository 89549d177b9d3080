// What the evaluator needs to know about a model, read from its GGUF metadata and tensor table, with the
// shapes checked up front so a bad file fails before any work. Llama (and Mistral, which GGUF files label
// "llama") only for now; anything else is refused by name.
import { QuantsmithError } from '../errors.ts';
import { getArray, getBool, getNumber, getNumberOrArray, getString, type HasMetadata } from '../formats/gguf/metadata.ts';

export const SUPPORTED_ARCHITECTURES: readonly string[] = ['llama'];

/** A tensor as the evaluator sees it: name, ggml shape (shape[0] = row length) and type. */
export interface ModelTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
}

export interface LlamaConfig {
  readonly arch: string;
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
  const expertCount = getNumber(model, `${arch}.expert_count`) ?? 0;
  if (expertCount > 0) throw new QuantsmithError(`${label}: the evaluator does not support mixture-of-experts models yet (${expertCount} experts)`);

  const nLayer = need('block_count');
  const nEmbd = need('embedding_length');
  const nHead = perLayer('attention.head_count');
  const nHeadKv = perLayer('attention.head_count_kv', nHead);
  const nFf = perLayer('feed_forward_length');
  const headDim = getNumber(model, `${arch}.attention.key_length`) ?? nEmbd / nHead;
  const nRot = getNumber(model, `${arch}.rope.dimension_count`) ?? headDim;
  const scalingType = getString(model, `${arch}.rope.scaling.type`) ?? 'none';
  let ropeFreqScale = 1;
  if (scalingType === 'linear') {
    const factor = getNumber(model, `${arch}.rope.scaling.factor`) ?? 0;
    ropeFreqScale = factor ? Math.fround(1 / factor) : 1;
  } else if (scalingType !== 'none') {
    throw new QuantsmithError(`${label}: rope scaling '${scalingType}' is not supported by the evaluator`);
  }
  if (!Number.isInteger(headDim) || headDim <= 0 || nHeadKv <= 0 || nHead % nHeadKv !== 0 || nRot !== headDim) {
    throw new QuantsmithError(`${label}: inconsistent attention shape (${nHead} heads, ${nHeadKv} KV heads, head size ${headDim}, ${nRot} rotated)`);
  }

  const byName = new Map(model.tensors.map((t) => [t.name, t]));
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
  expect('rope_freqs.weight', [nRot / 2], true);
  for (let i = 0; i < nLayer; i++) {
    const b = `blk.${i}`;
    expect(`${b}.attn_norm.weight`, [nEmbd]);
    expect(`${b}.attn_q.weight`, [nEmbd, qDim]);
    expect(`${b}.attn_k.weight`, [nEmbd, kvDim]);
    expect(`${b}.attn_v.weight`, [nEmbd, kvDim]);
    expect(`${b}.attn_output.weight`, [qDim, nEmbd]);
    expect(`${b}.ffn_norm.weight`, [nEmbd]);
    expect(`${b}.ffn_gate.weight`, [nEmbd, nFf]);
    expect(`${b}.ffn_up.weight`, [nEmbd, nFf]);
    expect(`${b}.ffn_down.weight`, [nFf, nEmbd]);
    for (const [n, d] of [['attn_q', qDim], ['attn_k', kvDim], ['attn_v', kvDim], ['attn_output', nEmbd]] as const) {
      expect(`${b}.${n}.bias`, [d], true);
    }
  }
  return {
    arch, nLayer, nEmbd, nHead, nHeadKv, headDim, nRot, nFf, nVocab,
    rmsEps: Math.fround(need('attention.layer_norm_rms_epsilon')),
    ropeFreqBase: Math.fround(getNumber(model, `${arch}.rope.freq_base`) ?? 10000),
    ropeFreqScale,
    ropeFreqFactors: byName.has('rope_freqs.weight'),
    bosToken: getNumber(model, 'tokenizer.ggml.bos_token_id') ?? 1,
    addBos: getBool(model, 'tokenizer.ggml.add_bos_token') ?? true,
    tiedOutput: !byName.has('output.weight'),
  };
}

/** Why two models cannot be compared token for token, or undefined when they can. */
export function incompatibility(a: LlamaConfig, b: LlamaConfig): string | undefined {
  if (a.arch !== b.arch) return `architecture '${b.arch}' differs from '${a.arch}'`;
  if (a.nVocab !== b.nVocab) return `vocabulary of ${b.nVocab} tokens differs from ${a.nVocab}`;
  const keys = [['nLayer', 'block count'], ['nEmbd', 'embedding length'], ['nHead', 'head count'], ['nHeadKv', 'KV head count'],
    ['headDim', 'head size'], ['nFf', 'feed-forward length']] as const;
  for (const [k, words] of keys) if (a[k] !== b[k]) return `${words} ${b[k]} differs from ${a[k]}`;
  if (a.bosToken !== b.bosToken || a.addBos !== b.addBos) return 'the BOS token settings differ';
  return undefined;
}

/** Names of the tensors block `layer` uses (those present in the model). */
export function blockTensorNames(layer: number, has: (name: string) => boolean): string[] {
  const b = `blk.${layer}`;
  const names = ['attn_norm.weight', 'attn_q.weight', 'attn_k.weight', 'attn_v.weight', 'attn_output.weight',
    'attn_q.bias', 'attn_k.bias', 'attn_v.bias', 'attn_output.bias',
    'ffn_norm.weight', 'ffn_gate.weight', 'ffn_up.weight', 'ffn_down.weight'].map((n) => `${b}.${n}`);
  return names.filter(has);
}
