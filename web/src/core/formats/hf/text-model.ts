// What every text model class of llama.cpp's converter shares: TextModel.set_gguf_parameters (the GGUF
// hyperparameter keys, in their order) and the context the architecture modules work in.
import { QuantsmithError, quotedJson } from '../../errors.ts';
import type { FolderFiles } from './folder-files.ts';
import { findHparam, isObject, type HfParams, type Json } from './hparams.ts';
import type { KvWriter } from './kv-writer.ts';

/** gguf.LlamaFileType values of the float outputs */
export const LlamaFileType = { ALL_F32: 0, MOSTLY_F16: 1, MOSTLY_BF16: 32 } as const;
export type FloatFileType = (typeof LlamaFileType)[keyof typeof LlamaFileType];

export interface ConvertContext {
  readonly files: FolderFiles;
  readonly params: HfParams;
  readonly kv: KvWriter;
  readonly ftype: FloatFileType;
}

export const KEY = {
  blockCount: '{arch}.block_count',
  contextLength: '{arch}.context_length',
  embeddingLength: '{arch}.embedding_length',
  feedForwardLength: '{arch}.feed_forward_length',
  headCount: '{arch}.attention.head_count',
  headCountKv: '{arch}.attention.head_count_kv',
  causal: '{arch}.attention.causal',
  keyLength: '{arch}.attention.key_length',
  valueLength: '{arch}.attention.value_length',
  rmsEps: '{arch}.attention.layer_norm_rms_epsilon',
  normEps: '{arch}.attention.layer_norm_epsilon',
  slidingWindow: '{arch}.attention.sliding_window',
  ropeScalingType: '{arch}.rope.scaling.type',
  ropeScalingFactor: '{arch}.rope.scaling.factor',
  ropeScalingOrigCtx: '{arch}.rope.scaling.original_context_length',
  ropeScalingAttnFactor: '{arch}.rope.scaling.attn_factor',
  yarnExtFactor: '{arch}.rope.scaling.yarn_ext_factor',
  yarnAttnFactor: '{arch}.rope.scaling.yarn_attn_factor',
  yarnBetaFast: '{arch}.rope.scaling.yarn_beta_fast',
  yarnBetaSlow: '{arch}.rope.scaling.yarn_beta_slow',
  ropeSections: '{arch}.rope.dimension_sections',
  ropeFreqBase: '{arch}.rope.freq_base',
  ropeFreqBaseSwa: '{arch}.rope.freq_base_swa',
  ropeDimensionCount: '{arch}.rope.dimension_count',
  expertCount: '{arch}.expert_count',
  expertUsedCount: '{arch}.expert_used_count',
  expertGroupCount: '{arch}.expert_group_count',
  expertGroupUsedCount: '{arch}.expert_group_used_count',
  expertGatingFunc: '{arch}.expert_gating_func',
  vocabSize: '{arch}.vocab_size',
  poolingType: '{arch}.pooling_type',
  attnSoftcap: '{arch}.attn_logit_softcapping',
  finalSoftcap: '{arch}.final_logit_softcapping',
  fileType: 'general.file_type',
} as const;

export function archKey(ctx: ConvertContext, key: string): string {
  return ctx.kv.archKey(key);
}

/** uint32 for an int, an array for a list (add_feed_forward_length, add_head_count, …). */
function addCountOrArray(ctx: ConvertContext, key: string, value: unknown): void {
  if (Array.isArray(value)) ctx.kv.addArray(archKey(ctx, key), value);
  else ctx.kv.addUint32(archKey(ctx, key), value);
}

export function addContextLength(ctx: ConvertContext, v: unknown): void { ctx.kv.addUint32(archKey(ctx, KEY.contextLength), v); }
export function addEmbeddingLength(ctx: ConvertContext, v: unknown): void { ctx.kv.addUint32(archKey(ctx, KEY.embeddingLength), v); }
export function addBlockCount(ctx: ConvertContext, v: unknown): void { ctx.kv.addUint32(archKey(ctx, KEY.blockCount), v); }
export function addFeedForwardLength(ctx: ConvertContext, v: unknown): void { addCountOrArray(ctx, KEY.feedForwardLength, v); }
export function addHeadCount(ctx: ConvertContext, v: unknown): void { addCountOrArray(ctx, KEY.headCount, v); }
export function addHeadCountKv(ctx: ConvertContext, v: unknown): void { addCountOrArray(ctx, KEY.headCountKv, v); }
export function addRmsEps(ctx: ConvertContext, v: unknown): void { ctx.kv.addFloat32(archKey(ctx, KEY.rmsEps), v); }
export function addKeyLength(ctx: ConvertContext, v: unknown): void { ctx.kv.addUint32(archKey(ctx, KEY.keyLength), v); }
export function addValueLength(ctx: ConvertContext, v: unknown): void { ctx.kv.addUint32(archKey(ctx, KEY.valueLength), v); }
export function addRopeFreqBase(ctx: ConvertContext, v: unknown): void { ctx.kv.addFloat32(archKey(ctx, KEY.ropeFreqBase), v); }
export function addSlidingWindow(ctx: ConvertContext, v: unknown): void { ctx.kv.addUint32(archKey(ctx, KEY.slidingWindow), v); }
export function addFileType(ctx: ConvertContext): void { ctx.kv.addUint32(KEY.fileType, ctx.ftype); }

/** The rope parameters that apply to full-attention layers. */
export function fullAttentionRope(ctx: ConvertContext): Json {
  const full = ctx.params.rope.full_attention;
  return isObject(full) ? full : ctx.params.rope;
}

/** TextModel.set_gguf_parameters */
export function setTextModelParameters(ctx: ConvertContext): void {
  const { hparams } = ctx.params;
  const kv = ctx.kv;
  const find = (keys: string[]) => findHparam(hparams, keys, true);
  addBlockCount(ctx, ctx.params.blockCount);

  const nCtx = find(['max_position_embeddings', 'n_ctx', 'n_positions', 'max_length', 'max_sequence_length', 'model_max_length']);
  if (nCtx != null) addContextLength(ctx, nCtx);
  const nEmbd = find(['hidden_size', 'n_embd', 'dim']);
  if (nEmbd != null) addEmbeddingLength(ctx, nEmbd);
  const nFf = find(['prefix_dense_intermediate_size', 'dense_intermediate_size', 'intermediate_size', 'n_inner', 'hidden_dim']);
  if (nFf != null) addFeedForwardLength(ctx, nFf);
  const nHead = find(['num_attention_heads', 'n_head', 'n_heads']);
  if (nHead != null) addHeadCount(ctx, nHead);
  const nHeadKv = find(['num_key_value_heads', 'n_kv_heads']);
  if (nHeadKv != null) addHeadCountKv(ctx, nHeadKv);
  if (hparams.is_causal === false) kv.addBool(archKey(ctx, KEY.causal), false);

  const rope = fullAttentionRope(ctx);
  const ropeType = rope.rope_type;
  if (ropeType != null) {
    const factor = rope.factor;
    if (ropeType === 'linear' && factor != null) {
      kv.addString(archKey(ctx, KEY.ropeScalingType), 'linear');
      kv.addFloat32(archKey(ctx, KEY.ropeScalingFactor), factor);
    } else if (ropeType === 'yarn' && factor != null) {
      kv.addString(archKey(ctx, KEY.ropeScalingType), 'yarn');
      kv.addFloat32(archKey(ctx, KEY.ropeScalingFactor), factor);
      if (!('original_max_position_embeddings' in rope)) {
        throw new QuantsmithError('config.json: yarn rope scaling needs original_max_position_embeddings');
      }
      kv.addUint32(archKey(ctx, KEY.ropeScalingOrigCtx), rope.original_max_position_embeddings);
      if (rope.extrapolation_factor != null) kv.addFloat32(archKey(ctx, KEY.yarnExtFactor), rope.extrapolation_factor);
      const attnFactor = 'attention_factor' in rope ? rope.attention_factor : rope.attn_factor;
      if (attnFactor != null) kv.addFloat32(archKey(ctx, KEY.yarnAttnFactor), attnFactor);
      if (rope.beta_fast != null) kv.addFloat32(archKey(ctx, KEY.yarnBetaFast), rope.beta_fast);
      if (rope.beta_slow != null) kv.addFloat32(archKey(ctx, KEY.yarnBetaSlow), rope.beta_slow);
    } else if (ropeType === 'su' || ropeType === 'longrope') {
      kv.addString(archKey(ctx, KEY.ropeScalingType), 'longrope');
    }
    // "dynamic", "llama3" and unknown types write nothing here
  }

  const sections = ctx.params.rope.mrope_section;
  if (Array.isArray(sections)) {
    const padded = [...sections];
    while (padded.length < 4) padded.push(0);
    kv.addArray(archKey(ctx, KEY.ropeSections), padded.slice(0, 4));
  }

  if (rope.rope_theta != null) addRopeFreqBase(ctx, rope.rope_theta);
  const sliding = ctx.params.rope.sliding_attention;
  if (isObject(sliding) && sliding.rope_theta != null) kv.addFloat32(archKey(ctx, KEY.ropeFreqBaseSwa), sliding.rope_theta);
  const rmsEps = find(['rms_norm_eps', 'norm_eps']);
  if (rmsEps != null) addRmsEps(ctx, rmsEps);
  const normEps = find(['layer_norm_eps', 'layer_norm_epsilon', 'norm_epsilon']);
  if (normEps != null) kv.addFloat32(archKey(ctx, KEY.normEps), normEps);
  const nExperts = find(['num_local_experts', 'num_experts', 'n_routed_experts']);
  if (nExperts != null) kv.addUint32(archKey(ctx, KEY.expertCount), nExperts);
  const nExpertsUsed = find(['num_experts_per_tok', 'num_experts_per_token', 'top_k_experts']);
  if (nExpertsUsed != null) addCountOrArray(ctx, KEY.expertUsedCount, nExpertsUsed);
  if (hparams.n_group != null) kv.addUint32(archKey(ctx, KEY.expertGroupCount), hparams.n_group);
  if (hparams.topk_group != null) kv.addUint32(archKey(ctx, KEY.expertGroupUsedCount), hparams.topk_group);
  const scoreFunc = find(['score_function', 'scoring_func', 'score_func', 'moe_router_activation', 'moe_router_activation_func', 'expert_selection_fn']);
  if (scoreFunc != null) {
    const gating: Record<string, number> = { softmax: 1, sigmoid: 2, sqrtsoftplus: 4 };
    if (typeof scoreFunc !== 'string' || gating[scoreFunc] === undefined) {
      throw new QuantsmithError(`config.json: unsupported expert score gating function ${quotedJson(scoreFunc)}`);
    }
    kv.addUint32(archKey(ctx, KEY.expertGatingFunc), gating[scoreFunc]);
  }
  if (hparams.head_dim != null) {
    addKeyLength(ctx, hparams.head_dim);
    addValueLength(ctx, hparams.head_dim);
  }
  addFileType(ctx);
}
