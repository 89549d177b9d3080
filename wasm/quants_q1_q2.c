// Q1_0 (128-element blocks: the sign of each element, one f16 scale = mean |x|) and Q2_0 (64-element
// blocks: round(x/amax) in -1..2, one f16 scale = amax): ggml's quantize_row_q1_0_ref / q2_0_ref and
// their dequantizers. ggml's quantize_q1_0 / q2_0 accept importance weights but run the same reference
// per row, so weights change nothing here either.
#include "simd.h"

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

/* clamp((int)roundf(v) + 1, 0, 3) per lane, with x86-64's (int): NaN and |v| ≥ 2^31 give INT_MIN, so 0. */
static inline v128_t q2_0_codes_x4(v128_t v) {
  const v128_t r = qs_roundf_f32x4(v);
  const v128_t fits = wasm_f32x4_lt(wasm_f32x4_abs(r), wasm_f32x4_splat(2147483648.f));
  const v128_t q = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(r), wasm_i32x4_splat(1));
  return wasm_v128_and(fits, qs_clamp_i32x4(q, 0, 3));
}

void qs_quantize_q2_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_q2_0 *y = (qs_block_q2_0 *)dst;
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK2_0; b++, x += QS_QK2_0) {
    const float d = qs_absmax(x, QS_QK2_0); /* `if (a > amax) amax = a` from 0: NaNs skipped */
    const v128_t id = wasm_f32x4_splat(d > 0.0f ? 1.0f / d : 0.0f);
    y[b].d = qs_f32_to_half(d);
    /* element j → bits 2(j % 4) of byte j / 4: gather every fourth code, then shift and merge */
    v128_t bytes[4];
    for (int k = 0; k < 4; k++) {
      v128_t q[4];
      for (int i = 0; i < 4; i++) q[i] = q2_0_codes_x4(wasm_f32x4_mul(wasm_v128_load(x + 16 * k + 4 * i), id));
      bytes[k] = qs_pack_u8(q[0], q[1], q[2], q[3]);
    }
    const v128_t lo = wasm_i8x16_shuffle(bytes[0], bytes[1], 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const v128_t hi = wasm_i8x16_shuffle(bytes[2], bytes[3], 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const v128_t lo2 = wasm_i8x16_shuffle(bytes[0], bytes[1], 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const v128_t hi2 = wasm_i8x16_shuffle(bytes[2], bytes[3], 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    /* c0 = codes 4m (m = 0..15), c1 = 4m + 1, … */
    const v128_t c0 = wasm_i64x2_shuffle(lo, hi, 0, 2), c1 = wasm_i64x2_shuffle(lo, hi, 1, 3);
    const v128_t c2 = wasm_i64x2_shuffle(lo2, hi2, 0, 2), c3 = wasm_i64x2_shuffle(lo2, hi2, 1, 3);
    const v128_t packed = wasm_v128_or(wasm_v128_or(c0, wasm_i8x16_shl(c1, 2)), wasm_v128_or(wasm_i8x16_shl(c2, 4), wasm_i8x16_shl(c3, 6)));
    wasm_v128_store(y[b].qs, packed);
  }
}

void qs_dequantize_q2_0(const void *src, float *out, int64_t n) {
  const qs_block_q2_0 *x = (const qs_block_q2_0 *)src;
  for (int64_t b = 0; b < n / QS_QK2_0; b++, out += QS_QK2_0) {
    const float d = qs_half_to_f32(x[b].d);
    for (int j = 0; j < QS_QK2_0; j++) out[j] = (float)(((x[b].qs[j / 4] >> (2 * (j % 4))) & 3) - 1) * d;
  }
}
