// The element-wise steps of a Llama block as ggml-cpu computes them (ggml/src/ggml-cpu/ops.cpp): RMS norm
// with its sum of squares in double, the rotations of the rotary embedding (its tables are rope.ts; SwiGLU is in C,
// wasm/eval_ops.c). Each works on token-major rows in place or into a new array.
const f = Math.fround;

/** ggml_rms_norm then ggml_mul by the weight: y = x · (1/sqrt(mean(x²) + eps)) · w, per row of n. */
export function rmsNorm(x: Float32Array, nTok: number, n: number, weight: Float32Array, eps: number): Float32Array {
  const y = new Float32Array(nTok * n);
  for (let t = 0; t < nTok; t++) {
    const o = t * n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += f(x[o + i] * x[o + i]);
    const mean = f(sum / n);
    const scale = f(1 / f(Math.sqrt(f(mean + eps))));
    for (let i = 0; i < n; i++) y[o + i] = f(f(x[o + i] * scale) * weight[i]);
  }
  return y;
}

/** Rotates adjacent pairs (GGML_ROPE_TYPE_NORM, Llama) of each head of each token, in place. */
export function ropeNorm(x: Float32Array, nTok: number, nHeads: number, headDim: number, nRot: number, table: Float32Array): void {
  for (let t = 0; t < nTok; t++) {
    const c = t * nRot;
    for (let h = 0; h < nHeads; h++) {
      const o = (t * nHeads + h) * headDim;
      for (let i0 = 0; i0 < nRot; i0 += 2) {
        const cos = table[c + i0];
        const sin = table[c + i0 + 1];
        const x0 = x[o + i0];
        const x1 = x[o + i0 + 1];
        x[o + i0] = f(f(x0 * cos) - f(x1 * sin));
        x[o + i0 + 1] = f(f(x0 * sin) + f(x1 * cos));
      }
    }
  }
}

/** Rotates dimension i with i + nRot/2 (GGML_ROPE_TYPE_NEOX: Qwen, Phi-3, Gemma) of each head of each token, in place. */
export function ropeNeox(x: Float32Array, nTok: number, nHeads: number, headDim: number, nRot: number, table: Float32Array): void {
  const half = nRot >> 1;
  for (let t = 0; t < nTok; t++) {
    const c = t * nRot;
    for (let h = 0; h < nHeads; h++) {
      const o = (t * nHeads + h) * headDim;
      for (let i0 = 0; i0 < nRot; i0 += 2) {
        const cos = table[c + i0];
        const sin = table[c + i0 + 1];
        const i = o + (i0 >> 1);
        const x0 = x[i];
        const x1 = x[i + half];
        x[i] = f(f(x0 * cos) - f(x1 * sin));
        x[i + half] = f(f(x0 * sin) + f(x1 * cos));
      }
    }
  }
}

/** x *= s, element-wise (ggml_scale). */
export function scaleInPlace(x: Float32Array, s: number): void {
  for (let i = 0; i < x.length; i++) x[i] = f(x[i] * s);
}

/** cap · tanh(x / cap), as ggml_scale, ggml_tanh, ggml_scale compute it (Gemma's final-logit soft-capping). */
export function softcapInPlace(x: Float32Array, cap: number): void {
  const inv = f(1 / cap);
  for (let i = 0; i < x.length; i++) x[i] = f(f(Math.tanh(f(x[i] * inv))) * cap);
}

/** a += b, element-wise. */
export function addInPlace(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

/** Adds a bias vector of n to every row. */
export function addBias(x: Float32Array, nTok: number, n: number, bias: Float32Array): void {
  for (let t = 0; t < nTok; t++) for (let i = 0; i < n; i++) x[t * n + i] += bias[i];
}
