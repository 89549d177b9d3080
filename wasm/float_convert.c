// F32 / F16 / BF16 rows: ggml_fp32_to_fp16_row, ggml_fp32_to_bf16_row_ref and their widening inverses.
// SIMD: each lane runs exactly the scalar conversion of quantsmith.h (pure bit manipulation plus IEEE
// multiplies and adds, which are lane-exact), so the vector and scalar paths agree bit for bit.
#include <wasm_simd128.h>
#include "source.h"

/* Float types ignore importance weights, as ggml's do (dispatch drops them). */
void qs_quantize_f32(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  memcpy(dst, src, (size_t)(nrows * n_per_row) * sizeof(float));
}
void qs_dequantize_f32(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * sizeof(float)); }

/* Four halves (low 16 bits of each lane) → four floats (the vector form of qs_half_to_f32). */
static inline v128_t half_to_f32x4(v128_t h) {
  const v128_t w = wasm_i32x4_shl(h, 16);
  const v128_t sign = wasm_v128_and(w, wasm_i32x4_splat((int32_t)0x80000000u));
  const v128_t twice = wasm_i32x4_add(w, w);
  const v128_t normal = wasm_f32x4_mul(wasm_i32x4_add(wasm_u32x4_shr(twice, 4), wasm_i32x4_splat((int32_t)(0xE0u << 23))),
                                       wasm_f32x4_splat(0x1.0p-112f));
  const v128_t subnormal = wasm_f32x4_sub(wasm_v128_or(wasm_u32x4_shr(twice, 17), wasm_i32x4_splat(126 << 23)),
                                          wasm_f32x4_splat(0.5f));
  const v128_t is_subnormal = wasm_u32x4_lt(twice, wasm_i32x4_splat(1 << 27));
  return wasm_v128_or(sign, wasm_v128_bitselect(subnormal, normal, is_subnormal));
}

/* Low 16 bits of the lanes of a and b, in order: a0 a1 a2 a3 b0 b1 b2 b3. */
static inline v128_t pack_low_halves(v128_t a, v128_t b) {
  return wasm_i8x16_shuffle(a, b, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
}

void qs_quantize_f16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  const int64_t n = nrows * n_per_row;
  qs_half *out = (qs_half *)dst;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t lo = qs_f32x4_to_half(wasm_v128_load(src + i));
    const v128_t hi = qs_f32x4_to_half(wasm_v128_load(src + i + 4));
    wasm_v128_store(out + i, pack_low_halves(lo, hi));
  }
  for (; i < n; i++) out[i] = qs_f32_to_half(src[i]);
}

void qs_dequantize_f16(const void *src, float *dst, int64_t n) {
  const qs_half *in = (const qs_half *)src;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t h = wasm_v128_load(in + i);
    wasm_v128_store(dst + i, half_to_f32x4(wasm_u32x4_extend_low_u16x8(h)));
    wasm_v128_store(dst + i + 4, half_to_f32x4(wasm_u32x4_extend_high_u16x8(h)));
  }
  for (; i < n; i++) dst[i] = qs_half_to_f32(in[i]);
}

/* Four floats → four bfloat16 in the low 16 bits of each lane (the vector form of qs_f32_to_bf16). */
static inline v128_t f32x4_to_bf16(v128_t u) {
  const v128_t is_nan = wasm_u32x4_gt(wasm_v128_and(u, wasm_i32x4_splat(0x7FFFFFFF)), wasm_i32x4_splat(0x7F800000));
  const v128_t quiet_nan = wasm_v128_or(wasm_u32x4_shr(u, 16), wasm_i32x4_splat(64));
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(u, 16), wasm_i32x4_splat(1));
  const v128_t rounded = wasm_u32x4_shr(wasm_i32x4_add(u, wasm_i32x4_add(wasm_i32x4_splat(0x7FFF), odd)), 16);
  return wasm_v128_bitselect(quiet_nan, rounded, is_nan);
}

void qs_quantize_bf16(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  const int64_t n = nrows * n_per_row;
  uint16_t *out = (uint16_t *)dst;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t lo = f32x4_to_bf16(wasm_v128_load(src + i));
    const v128_t hi = f32x4_to_bf16(wasm_v128_load(src + i + 4));
    wasm_v128_store(out + i, pack_low_halves(lo, hi));
  }
  for (; i < n; i++) out[i] = qs_f32_to_bf16(src[i]);
}

void qs_dequantize_bf16(const void *src, float *dst, int64_t n) {
  const uint16_t *in = (const uint16_t *)src;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t h = wasm_v128_load(in + i);
    wasm_v128_store(dst + i, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(h), 16));
    wasm_v128_store(dst + i + 4, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(h), 16));
  }
  for (; i < n; i++) dst[i] = qs_bf16_to_f32(in[i]);
}

void qs_widen_source(const void *src, int src_type, int64_t first, int n, float *out) {
  if (src_type == QS_SRC_F16) qs_dequantize_f16((const qs_half *)src + first, out, n);
  else if (src_type == QS_SRC_BF16) qs_dequantize_bf16((const uint16_t *)src + first, out, n);
  else memcpy(out, (const float *)src + first, (size_t)n * sizeof(float));
}
