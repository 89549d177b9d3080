// Q1_0 (128-element blocks: the sign of each element, one f16 scale = mean |x|) and Q2_0 (64-element
// blocks: round(x/amax) in -1..2, one f16 scale = amax): ggml's quantize_row_q1_0_ref / q2_0_ref and
// their dequantizers. ggml's quantize_q1_0 / q2_0 accept importance weights but run the same reference
// per row, so weights change nothing here either.
#include "simd.h"

/* `(int)v` as x86-64 executes it (cvttss2si): INT_MIN for NaN and anything out of range. */
static inline int x86_f32_to_i32(float v) {
  return (v >= -2147483648.0f && v < 2147483648.0f) ? (int)v : INT32_MIN;
}

void qs_quantize_q1_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_q1_0 *y = (qs_block_q1_0 *)dst;
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK1_0; b++, x += QS_QK1_0) {
    float sum_abs = 0.0f;
    for (int j = 0; j < QS_QK1_0; j++) sum_abs += __builtin_fabsf(x[j]);
    y[b].d = qs_f32_to_half(sum_abs / QS_QK1_0);
    /* bit j: x[j] >= 0 (so -0 counts as non-negative and NaN as negative) */
    for (int j = 0; j < QS_QK1_0; j += 8) {
      const v128_t ge0 = wasm_f32x4_ge(wasm_v128_load(x + j), wasm_f32x4_splat(0.0f));
      const v128_t ge1 = wasm_f32x4_ge(wasm_v128_load(x + j + 4), wasm_f32x4_splat(0.0f));
      y[b].qs[j / 8] = (uint8_t)(wasm_i32x4_bitmask(ge0) | (wasm_i32x4_bitmask(ge1) << 4));
    }
  }
}

void qs_dequantize_q1_0(const void *src, float *out, int64_t n) {
  const qs_block_q1_0 *x = (const qs_block_q1_0 *)src;
  for (int64_t b = 0; b < n / QS_QK1_0; b++, out += QS_QK1_0) {
    const float d = qs_half_to_f32(x[b].d), neg_d = -d;
    for (int j = 0; j < QS_QK1_0; j++) out[j] = (x[b].qs[j / 8] >> (j % 8)) & 1 ? d : neg_d;
  }
}

void qs_quantize_q2_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_q2_0 *y = (qs_block_q2_0 *)dst;
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK2_0; b++, x += QS_QK2_0) {
    const float d = qs_absmax(x, QS_QK2_0); /* `if (a > amax) amax = a` from 0: NaNs skipped */
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    memset(y[b].qs, 0, sizeof(y[b].qs));
    for (int j = 0; j < QS_QK2_0; j++) {
      const int q = qs_max_int(0, qs_min_int(3, x86_f32_to_i32(__builtin_roundf(x[j] * id)) + 1));
      y[b].qs[j / 4] |= (uint8_t)(q << (2 * (j % 4)));
    }
  }
}

void qs_dequantize_q2_0(const void *src, float *out, int64_t n) {
  const qs_block_q2_0 *x = (const qs_block_q2_0 *)src;
  for (int64_t b = 0; b < n / QS_QK2_0; b++, out += QS_QK2_0) {
    const float d = qs_half_to_f32(x[b].d);
    for (int j = 0; j < QS_QK2_0; j++) out[j] = (float)(((x[b].qs[j / 4] >> (2 * (j % 4))) & 3) - 1) * d;
  }
}
