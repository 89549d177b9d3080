// FP4 formats: MXFP4 (32-element blocks, one E8M0 power-of-two scale) and NVFP4 (64-element blocks of
// four 16-element sub-blocks, one UE4M3 scale each), with E2M1 codes (fp4_values.h). ggml's
// quantize_mxfp4 / quantize_nvfp4 ignore importance weights, and so do these.
//
// SIMD: the code search (ggml's best_index_mxfp4: the first code whose value·scale is nearest, by a
// strict `<` over the 16 codes) runs on four elements per vector, each lane exactly the scalar search.
#include <math.h>
#include "simd.h"
#include "fp4_values.h"

/* Per lane, the index of the first of the 16 `scaled` code values nearest x (a NaN x gives 0). */
static inline v128_t nearest_fp4_x4(v128_t x, const float *scaled) {
  v128_t best_err = wasm_f32x4_abs(wasm_f32x4_sub(wasm_f32x4_splat(scaled[0]), x));
  v128_t best = wasm_i32x4_splat(0);
  for (int i = 1; i < 16; i++) {
    const v128_t err = wasm_f32x4_abs(wasm_f32x4_sub(wasm_f32x4_splat(scaled[i]), x));
    const v128_t better = wasm_f32x4_lt(err, best_err);
    best_err = qs_select(better, err, best_err);
    best = qs_select(better, wasm_i32x4_splat(i), best);
  }
  return best;
}

/* 2·half elements (half 16 or 8) → `half` bytes: element j's code in the low nibble of byte j, element
 * j + half's in the high nibble. */
static void store_codes(const float *x, int half, const float *scaled, uint8_t *qs) {
  uint8_t codes[32];
  for (int k = 0; k < 2 * half; k += 16) {
    v128_t q[4];
    for (int i = 0; i < 4; i++) q[i] = nearest_fp4_x4(wasm_v128_load(x + k + 4 * i), scaled);
    wasm_v128_store(codes + k, qs_pack_u8(q[0], q[1], q[2], q[3]));
  }
  for (int j = 0; j < half; j++) qs[j] = (uint8_t)(codes[j] | (codes[j + half] << 4));
}

static void scaled_values(float d, float *scaled) {
  for (int i = 0; i < 16; i++) scaled[i] = QS_FP4_VALUES[i] * d;
}

/* ---- MXFP4 ---- */

/* ggml_e8m0_to_fp32_half: 2^(e - 128), exact (subnormal for e < 2). */
static inline float e8m0_half(uint8_t e) {
  return qs_bits_f32(e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23);
}

/* The block exponent: floor(log2(amax)) - 2 + 127 as a byte, with x86-64's float→int conversion (an
 * infinite amax gives INT_MIN, whose low byte 0 is stored). log2f is musl's, the same algorithm and
 * tables as glibc's. */
static inline uint8_t mxfp4_exponent(float amax) {
  if (!(amax > 0.0f)) return 0;
  return (uint8_t)qs_x86_f32_to_i8(floorf(log2f(amax)) - 2 + 127);
}

void qs_quantize_mxfp4(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_mxfp4 *y = (qs_block_mxfp4 *)dst;
  float scaled[16];
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK; b++, x += QS_QK) {
    const uint8_t e = mxfp4_exponent(qs_absmax(x, QS_QK));
    y[b].e = e;
    scaled_values(e8m0_half(e), scaled);
    store_codes(x, 16, scaled, y[b].qs);
  }
}

/* out[j] = code(j)·d for 2·half elements of packed codes (see store_codes). */
static void dequantize_codes(const uint8_t *qs, int half, float d, float *out) {
  const v128_t table = wasm_v128_load(QS_FP4_VALUES), vd = wasm_f32x4_splat(d);
  uint8_t bytes[16] = {0};
  memcpy(bytes, qs, (size_t)half);
  const v128_t q = wasm_v128_load(bytes);
  const v128_t low = wasm_i8x16_swizzle(table, wasm_v128_and(q, wasm_i8x16_splat(0x0F)));
  const v128_t high = wasm_i8x16_swizzle(table, wasm_u8x16_shr(q, 4));
  for (int k = 0; k < half / 4; k++) {
    wasm_v128_store(out + 4 * k, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(qs_i8_quarter(low, k)), vd));
    wasm_v128_store(out + half + 4 * k, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(qs_i8_quarter(high, k)), vd));
  }
}

void qs_dequantize_mxfp4(const void *src, float *out, int64_t n) {
  const qs_block_mxfp4 *x = (const qs_block_mxfp4 *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) dequantize_codes(x[b].qs, 16, e8m0_half(x[b].e), out);
}

/* ---- NVFP4 ---- */

/* ggml_ue4m3_to_fp32: the UE4M3 value (bit 7 ignored; 0 and 0x7F read as 0) times 0.5, exact. */
static inline float ue4m3_half(uint8_t u) {
  if (u == 0 || u == 0x7F) return 0.0f;
  const int exponent = (u >> 3) & 0xF, mantissa = u & 0x7;
  const float raw = exponent == 0 ? (float)mantissa * 0x1.0p-9f
                                  : (1.0f + (float)mantissa / 8.0f) * qs_bits_f32((uint32_t)(exponent - 7 + 127) << 23);
  return raw * 0.5f;
}

/* ggml_fp32_to_ue4m3: round to the nearest UE4M3 (ties up, by the first dropped bit), at most 448. */
static uint8_t ue4m3_from_f32(float x) {
  if (!(x > 0.0f)) return 0;
  if (x > 448.0f) x = 448.0f;
  const uint32_t bits = qs_f32_bits(x);
  int exponent = (int)((bits >> 23) & 0xFF) - 127 + 7;
  if (exponent <= 0) {
    const int mantissa = qs_min_int(7, (int)(x * 512.0f + 0.5f));
    return mantissa < 1 ? 0 : (uint8_t)mantissa;
  }
  if (exponent >= 15) return 0x7E;
  int mantissa = (int)((bits >> 20) & 0x7) + (int)((bits >> 19) & 1);
  if (mantissa > 7) {
    mantissa = 0;
    if (++exponent >= 15) return 0x7E;
  }
  return (uint8_t)((exponent << 3) | mantissa);
}

void qs_quantize_nvfp4(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_nvfp4 *y = (qs_block_nvfp4 *)dst;
  float scaled[16];
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK_NVFP4; b++) {
    for (int s = 0; s < 4; s++, x += 16) {
      const uint8_t u = ue4m3_from_f32(qs_absmax(x, 16) / 6.0f);
      y[b].d[s] = u;
      scaled_values(ue4m3_half(u), scaled);
      store_codes(x, 8, scaled, y[b].qs + 8 * s);
    }
  }
}

void qs_dequantize_nvfp4(const void *src, float *out, int64_t n) {
  const qs_block_nvfp4 *x = (const qs_block_nvfp4 *)src;
  for (int64_t b = 0; b < n / QS_QK_NVFP4; b++)
    for (int s = 0; s < 4; s++, out += 16) dequantize_codes(x[b].qs + 8 * s, 8, ue4m3_half(x[b].d[s]), out);
}
