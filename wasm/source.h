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

/* Exact F32 copies of n source elements starting at element `first` (n a multiple of 8). */
void qs_widen_source(const void *src, int src_type, int64_t first, int n, float *out);

/* Quantizers that read F32/F16/BF16 sources themselves (qs_quantize_rows prefers them). */
typedef void (*qs_quantize_from_fn)(const void *src, int src_type, void *dst, int64_t n);
void qs_quantize_q8_0_from(const void *src, int src_type, void *dst, int64_t n);

#endif
