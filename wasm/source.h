// Reading quantizer sources (F32, F16, BF16 rows) in registers, so a kernel can widen each block as
// it quantizes it instead of going through a widened copy of the whole slab. Widening is exact.
#ifndef QUANTSMITH_SOURCE_H
#define QUANTSMITH_SOURCE_H

#include "simd.h"

#define QS_SRC_F32 0
#define QS_SRC_F16 1
#define QS_SRC_BF16 30

#define QS_ALWAYS_INLINE static inline __attribute__((always_inline))

/* Four halves (lanes 0..3 of the i16x8 `h` when `high` is 0, lanes 4..7 otherwise) → four floats,
 * for finite halves only: the magnitude bits shifted into a float's exponent/mantissa position and
 * scaled by 2^112 give the exact value, subnormals included (a float subnormal times 2^112). */
QS_ALWAYS_INLINE v128_t qs_finite_half4_to_f32(v128_t h, int high) {
  const v128_t zero = wasm_i16x8_splat(0);
  const v128_t w = high ? wasm_i16x8_shuffle(zero, h, 0, 12, 1, 13, 2, 14, 3, 15)
                        : wasm_i16x8_shuffle(zero, h, 0, 8, 1, 9, 2, 10, 3, 11); /* lane = h << 16 */
  const v128_t magnitude = wasm_u32x4_shr(wasm_i32x4_add(w, w), 4);
  const v128_t value = wasm_f32x4_mul(magnitude, wasm_f32x4_splat(0x1.0p+112f));
  return wasm_v128_or(value, wasm_v128_and(w, wasm_i32x4_splat((int32_t)0x80000000u)));
}

/* Four bfloat16 (lanes 0..3 or 4..7 of `h`) → four floats (always exact). */
QS_ALWAYS_INLINE v128_t qs_bf16x4_to_f32(v128_t h, int high) {
  const v128_t zero = wasm_i16x8_splat(0);
  return high ? wasm_i16x8_shuffle(zero, h, 0, 12, 1, 13, 2, 14, 3, 15)
              : wasm_i16x8_shuffle(zero, h, 0, 8, 1, 9, 2, 10, 3, 11);
}

/* Four floats → four halves in the low 16 bits of each lane (the vector form of qs_f32_to_half). */
static inline v128_t qs_f32x4_to_half(v128_t f) {
  const v128_t w = f;
  const v128_t twice = wasm_i32x4_add(w, w);
  const v128_t sign = wasm_v128_and(w, wasm_i32x4_splat((int32_t)0x80000000u));
  v128_t magnitude = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_abs(f), wasm_f32x4_splat(0x1.0p+112f)),
                                    wasm_f32x4_splat(0x1.0p-110f));
  const v128_t bias = wasm_u32x4_max(wasm_v128_and(twice, wasm_i32x4_splat((int32_t)0xFF000000u)),
                                     wasm_i32x4_splat(0x71000000));
  const v128_t rounder = wasm_i32x4_add(wasm_u32x4_shr(bias, 1), wasm_i32x4_splat(0x07800000));
  magnitude = wasm_f32x4_add(rounder, magnitude);
  const v128_t exponent = wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_splat(0x7C00));
  const v128_t mantissa = wasm_v128_and(magnitude, wasm_i32x4_splat(0x0FFF));
  const v128_t nonsign = wasm_i32x4_add(exponent, mantissa);
  const v128_t is_nan = wasm_u32x4_gt(twice, wasm_i32x4_splat((int32_t)0xFF000000u));
  const v128_t body = wasm_v128_bitselect(wasm_i32x4_splat(0x7E00), nonsign, is_nan);
  return wasm_v128_or(wasm_u32x4_shr(sign, 16), body);
}

/* Exact F32 copies of n source elements starting at element `first` (n a multiple of 8). */
void qs_widen_source(const void *src, int src_type, int64_t first, int n, float *out);

/* Quantizers that read F32/F16/BF16 sources themselves (qs_quantize_rows prefers them). */
typedef void (*qs_quantize_from_fn)(const void *src, int src_type, void *dst, int64_t n);
void qs_quantize_q8_0_from(const void *src, int src_type, void *dst, int64_t n);

#endif
