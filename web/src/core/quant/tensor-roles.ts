// What llama.cpp's quantizer reads from a tensor's name and shape alone: its broad category (which
// mixture rule applies) and whether it may be quantized at all (norms, 1-D tensors, position
// embeddings, routers and other small or sensitive tensors never are: they keep their source type).

export type TensorCategory =
  | 'token_embd' | 'attn_q' | 'attn_v' | 'attn_k' | 'attn_qkv' | 'attn_kv_b' | 'attn_output'
  | 'ffn_up' | 'ffn_gate' | 'ffn_down' | 'output' | 'other';

export const isTokenEmbedding = (name: string): boolean =>
  name === 'token_embd.weight' || name === 'per_layer_token_embd.weight';

export const isOutputWeight = (name: string): boolean => name === 'output.weight';

/** First match wins, in llama.cpp's order (attn_qkv before attn_v, ffn_* matched as plain substrings). */
const CATEGORY_BY_SUBSTRING: readonly (readonly [string, TensorCategory])[] = [
  ['attn_qkv.weight', 'attn_qkv'],
  ['attn_kv_b.weight', 'attn_kv_b'],
  ['attn_v.weight', 'attn_v'],
  ['attn_k.weight', 'attn_k'],
  ['attn_q.weight', 'attn_q'],
  ['attn_output.weight', 'attn_output'],
  ['ffn_up', 'ffn_up'],
  ['ffn_gate', 'ffn_gate'],
  ['ffn_down', 'ffn_down'],
];

export function tensorCategory(name: string): TensorCategory {
  if (isOutputWeight(name)) return 'output';
  if (isTokenEmbedding(name)) return 'token_embd';
  for (const [part, category] of CATEGORY_BY_SUBSTRING) if (name.includes(part)) return category;
  return 'other';
}

/** attn_v-like tensors get the attn_v bumps (they are the most sensitive to quantization). */
export const isAttnVLike = (c: TensorCategory): boolean => c === 'attn_v' || c === 'attn_qkv' || c === 'attn_kv_b';

/** ggml_n_dims: dimensions up to the last one larger than 1 (at least 1). */
export function ggmlNDims(shape: readonly number[]): number {
  for (let i = shape.length - 1; i >= 1; i--) if (shape[i] > 1) return i + 1;
  return 1;
}

/** Name parts of tensors that are never quantized (kept small, or sensitive, or not weights at all). */
const NEVER_QUANTIZED_PARTS: readonly string[] = [
  '_norm.weight',
  'ffn_gate_inp.weight', // expert router
  'ffn_gate_tid2eid.weight', // token-id -> expert-id table
  'altup', 'laurel', 'per_layer_model_proj',
  'ssm_conv1d', 'shortconv.conv.weight',
  'indexer.k_proj.weight', 'indexer.q_proj.weight',
  'time_mix_first.weight', 'time_mix_w0.weight', 'time_mix_w1.weight', 'time_mix_w2.weight',
  'time_mix_v0.weight', 'time_mix_v1.weight', 'time_mix_v2.weight', 'time_mix_a0.weight',
  'time_mix_a1.weight', 'time_mix_a2.weight', 'time_mix_g1.weight', 'time_mix_g2.weight',
  'time_mix_decay_w1.weight', 'time_mix_decay_w2.weight', 'time_mix_lerp_fused.weight',
  'attn_rel_b.weight',
  '.position_embd', 'sam.pos_embd', 'sam.neck.', 'sam.net_', '.rel_pos', '.patch_embd', '.patch_merger',
  'a.rvq.codebook', 'mm.a.code_embd',
];
const NEVER_QUANTIZED_NAMES: ReadonlySet<string> = new Set(['position_embd.weight', 'token_types.weight']);

/**
 * llama.cpp's tensor_allows_quantization: 2-D or 3-D (by ggml_n_dims), a name ending in "weight",
 * and none of the exclusions; output.weight only when the output tensor is quantized.
 */
export function allowsQuantization(name: string, shape: readonly number[], quantizeOutputTensor: boolean): boolean {
  if (ggmlNDims(shape) < 2) return false;
  // llama.cpp tests `name.rfind("weight") == name.size() - 6` with unsigned arithmetic: for a 5-character
  // name both sides are npos, so any such name passes as if it ended in "weight".
  if (!(name.endsWith('weight') || name.length === 5)) return false;
  if (!quantizeOutputTensor && name === 'output.weight') return false;
  if (NEVER_QUANTIZED_NAMES.has(name)) return false;
  return !NEVER_QUANTIZED_PARTS.some((part) => name.includes(part));
}
