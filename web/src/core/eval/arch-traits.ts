// How each architecture the evaluator runs differs from Llama's block, as data the one forward pass reads
// (llama-forward.ts). Each row follows that architecture's graph in llama.cpp (src/models/<arch>.cpp) and
// its hyperparameter defaults (load_arch_hparams, llama-hparams.h). Mistral files are labelled "llama".
export interface ArchTraits {
  /** GGML_ROPE_TYPE_NEOX (rotate dimension i with i + n_rot/2) instead of adjacent pairs */
  readonly ropeNeox: boolean;
  /** per-head RMS norms of Q and K before rope (attn_q_norm / attn_k_norm) */
  readonly qkNorm: boolean;
  /** Q is multiplied by this before attention (whose own scale is then 1): 'head' = 1/sqrt(head size) */
  readonly queryPreScale?: 'head';
  /** inputs multiplied by sqrt(n_embd) after the embedding lookup */
  readonly embedScale: boolean;
  /** RMS norms of the attention and feed-forward outputs before their residual adds (attn_post_norm, ffn_post_norm) */
  readonly postNorms: boolean;
  /** GEGLU (tanh GELU, from ggml's F16 table) in place of SwiGLU */
  readonly gelu: boolean;
  /** attention-score soft-capping, with the default of llama-hparams.h when the key is absent */
  readonly attnSoftcapDefault?: number;
  /** final-logit soft-capping default when the key is absent (0 = none unless the file sets it) */
  readonly finalSoftcapDefault: number;
  /** sliding-window layers: default window and pattern (layer i is windowed when i % pattern < pattern - 1) */
  readonly slidingWindow?: { readonly window: number; readonly pattern: number; readonly swaBaseDefault: 'train' | number };
  /**
   * frequency-factor tensors the graph passes to the rope (get_rope_factors): Llama's rope_freqs, or under
   * LongRoPE scaling its long/short pair; Phi-3's long/short pair; none (llama.cpp refuses such files)
   */
  readonly ropeFactors: 'llama' | 'phi3' | 'none';
}

const LLAMA: ArchTraits = { ropeNeox: false, qkNorm: false, embedScale: false, postNorms: false, gelu: false, finalSoftcapDefault: 0, ropeFactors: 'llama' };
const NEOX: ArchTraits = { ...LLAMA, ropeNeox: true, ropeFactors: 'none' };
const GEMMA: ArchTraits = { ...NEOX, queryPreScale: 'head', embedScale: true, postNorms: true, gelu: true };

export const ARCH_TRAITS: Readonly<Record<string, ArchTraits>> = {
  llama: LLAMA,
  qwen2: NEOX,
  qwen3: { ...NEOX, qkNorm: true },
  phi3: { ...NEOX, queryPreScale: 'head', ropeFactors: 'phi3' },
  gemma2: { ...GEMMA, attnSoftcapDefault: 50, finalSoftcapDefault: 30, slidingWindow: { window: 4096, pattern: 2, swaBaseDefault: 'train' } },
  gemma3: { ...GEMMA, qkNorm: true, slidingWindow: { window: 0, pattern: 6, swaBaseDefault: 10000 } },
};
