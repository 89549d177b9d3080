// The cos/sin tables of rotary embeddings as ggml-cpu builds them (ggml_rope_cache_init, rope_yarn in
// ggml/src/ggml-cpu/ops.cpp, ggml_rope_yarn_corr_dims in ggml.c), YaRN included, all in float as there,
// and which frequency factors llama.cpp's get_rope_factors hands to them for a given context.
const f = Math.fround;
const F01 = f(0.1);

/** The rope parameters of one kind of layer, as ggml_rope_ext receives them. */
export interface RopeLayerParams {
  readonly freqBase: number;
  readonly freqScale: number;
  /** YaRN's mix of extrapolated and interpolated angles (0: plain interpolation by freqScale) */
  readonly extFactor: number;
  /** multiplies cos and sin (times YaRN's magnitude correction when extFactor ≠ 0) */
  readonly attnFactor: number;
  readonly betaFast: number;
  readonly betaSlow: number;
  /** the training context YaRN's correction dimensions are computed from (n_ctx_orig_yarn) */
  readonly nCtxOrig: number;
}

/** ggml_rope_yarn_corr_dim: the dimension whose wavelength turns `nRotations` times over nCtxOrig. */
function corrDim(nDims: number, nCtxOrig: number, nRotations: number, base: number): number {
  return f(f(nDims * f(Math.log(f(nCtxOrig / f(f(nRotations * 2) * f(Math.PI)))))) / f(2 * f(Math.log(base))));
}

/** ggml_rope_yarn_corr_dims: the range of dimension pairs over which YaRN ramps from extrapolation to interpolation. */
export function yarnCorrDims(nDims: number, nCtxOrig: number, freqBase: number, betaFast: number, betaSlow: number): [number, number] {
  const start = Math.floor(corrDim(nDims, nCtxOrig, betaFast, freqBase));
  const end = Math.ceil(corrDim(nDims, nCtxOrig, betaSlow, freqBase));
  return [Math.max(0, start), Math.min(nDims - 1, end)];
}

/** rope_yarn_ramp: 1 below the range (extrapolate), 0 above it (interpolate). */
function ramp(low: number, high: number, i0: number): number {
  const y = f(f((i0 >> 1) - low) / Math.max(f(0.001), f(high - low)));
  return f(1 - Math.min(1, Math.max(0, y)));
}

/**
 * The table for positions 0..nPos-1: theta starts at the position and is multiplied by freq_base^(-2/n_rot)
 * once per pair, in float; the factor divides it; then rope_yarn scales it by freq_scale, mixed with the
 * unscaled angle by YaRN's ramp, and cos and sin are multiplied by the attention factor.
 */
export function ropeTable(nPos: number, nRot: number, p: RopeLayerParams, factors?: Float32Array): Float32Array {
  const thetaScale = f(Math.pow(p.freqBase, f(-2 / nRot)));
  const [low, high] = p.extFactor !== 0 ? yarnCorrDims(nRot, p.nCtxOrig, p.freqBase, p.betaFast, p.betaSlow) : [0, 0];
  // rope_yarn's "n-d magnitude scaling corrected for interpolation"
  const mscale = p.extFactor !== 0 ? f(p.attnFactor * f(1 + f(F01 * f(Math.log(f(1 / p.freqScale)))))) : p.attnFactor;
  const mix = new Float32Array(nRot >> 1);
  for (let i0 = 0; i0 < nRot; i0 += 2) mix[i0 >> 1] = p.extFactor !== 0 ? f(ramp(low, high, i0) * p.extFactor) : 0;
  const table = new Float32Array(nPos * nRot);
  for (let pos = 0; pos < nPos; pos++) {
    let theta = f(pos);
    for (let i0 = 0; i0 < nRot; i0 += 2) {
      const extrap = factors ? f(theta / factors[i0 >> 1]) : theta;
      let angle = f(p.freqScale * extrap);
      const m = mix[i0 >> 1];
      if (p.extFactor !== 0) angle = f(f(angle * f(1 - m)) + f(extrap * m));
      table[pos * nRot + i0] = f(f(Math.cos(angle)) * mscale);
      table[pos * nRot + i0 + 1] = f(f(Math.sin(angle)) * mscale);
      theta = f(theta * thetaScale);
    }
  }
  return table;
}

/** Tensors of frequency factors the rope may read: Llama 3's, and LongRoPE's pair (Phi-3). */
export const ROPE_FACTOR_TENSORS: readonly string[] = ['rope_freqs.weight', 'rope_factors_long.weight', 'rope_factors_short.weight'];

/**
 * The context llama.cpp gives each sequence of nTok tokens: llama_context pads n_ctx (and n_ctx / n_seq_max)
 * to a multiple of 256, so llama-perplexity and llama-imatrix at -c N see ceil(N / 256) · 256.
 */
export function contextPerSequence(nTok: number): number {
  return Math.ceil(nTok / 256) * 256;
}

/**
 * get_rope_factors: rope_freqs when the model has it, else LongRoPE's long factors when the context per
 * sequence exceeds the original training context, its short ones otherwise (undefined: none).
 */
export function ropeFactorsFor(factors: ReadonlyMap<string, Float32Array>, nTok: number, nCtxOrig: number): Float32Array | undefined {
  return factors.get('rope_freqs.weight') ??
    factors.get(contextPerSequence(nTok) > nCtxOrig ? 'rope_factors_long.weight' : 'rope_factors_short.weight');
}
