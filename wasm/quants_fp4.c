// FP4 formats: MXFP4 (32-element blocks, one E8M0 power-of-two scale) and NVFP4 (64-element blocks of
// four 16-element sub-blocks, one UE4M3 scale each), with E2M1 codes (fp4_values.h). ggml's
// quantize_mxfp4 / quantize_nvfp4 ignore importance weights, and so do these.
//
// SIMD: the code search (ggml's best_index_mxfp4: the first code whose value·scale is nearest, by a
// strict `<` over the 16 codes) runs on four elements per vector, each lane giving the scalar's answer.
#include <math.h>
#include "simd.h"
#include "fp4_values.h"

/* The codes of the n elements at x (n = 16 or 32, four per vector), each the index of the first of
 * the 16 `scaled` code values nearest it (a NaN gives 0), as ggml's linear scan with a strict `<`
 * finds it. Only half the scan can win: for x ≥ 0 no negative code (8..15) is strictly nearer than
 * code 0, and for x < 0 no positive one (1..7) is; the negative codes mirror the positive ones, and
 * |-(k·d) - x| = |k·d - |x|| exactly. So the scan runs over codes 0..7 for |x|, in the same order,
 * and the winner moves to 8 + i when x < 0 and i > 0. All vectors advance together (independent
 * chains for the pipeline). */
static inline __attribute__((always_inline)) void nearest_fp4(const float *x, int n, const float *scaled, v128_t *codes) {
  v128_t ax[8], best_err[8];
  for (int v = 0; v < n / 4; v++) {
    ax[v] = wasm_f32x4_abs(wasm_v128_load(x + 4 * v));
    best_err[v] = wasm_f32x4_abs(wasm_f32x4_sub(wasm_f32x4_splat(scaled[0]), ax[v]));
    codes[v] = wasm_i32x4_splat(0);
  }
  for (int i = 1; i < 8; i++) {
    const v128_t value = wasm_f32x4_splat(scaled[i]), index = wasm_i32x4_splat(i);
    for (int v = 0; v < n / 4; v++) {
      const v128_t err = wasm_f32x4_abs(wasm_f32x4_sub(value, ax[v]));
      const v128_t better = wasm_f32x4_lt(err, best_err[v]);
      best_err[v] = qs_select(better, err, best_err[v]);
      codes[v] = qs_select(better, index, codes[v]);
    }
  }
  for (int v = 0; v < n / 4; v++) {
    const v128_t negative = wasm_f32x4_lt(wasm_v128_load(x + 4 * v), wasm_f32x4_splat(0.f));
    const v128_t moved = wasm_v128_and(negative, wasm_i32x4_ne(codes[v], wasm_i32x4_splat(0)));
    codes[v] = wasm_v128_or(codes[v], wasm_v128_and(moved, wasm_i32x4_splat(8)));
  }
}

/* An MXFP4 block's 32 codes → 16 bytes: element j in the low nibble of byte j, element j + 16 in the high. */
static void store_codes32(const float *x, const float *scaled, uint8_t *qs) {
  v128_t c[8];
  nearest_fp4(x, 32, scaled, c);
  const v128_t low = qs_pack_u8(c[0], c[1], c[2], c[3]), high = qs_pack_u8(c[4], c[5], c[6], c[7]);
  wasm_v128_store(qs, wasm_v128_or(low, wasm_i8x16_shl(high, 4)));
}

/* An NVFP4 sub-block's 16 codes → 8 bytes: element j low, element j + 8 high. */
static void store_codes16(const float *x, const float *scaled, uint8_t *qs) {
  v128_t c[4];
  nearest_fp4(x, 16, scaled, c);
  const v128_t codes = qs_pack_u8(c[0], c[1], c[2], c[3]);
  const v128_t packed = wasm_v128_or(codes, wasm_i8x16_shl(wasm_i64x2_shuffle(codes, codes, 1, 1), 4));
  wasm_v128_store64_lane(qs, packed, 0);
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
    store_codes32(x, scaled, y[b].qs);
  }
}

/* out[j] = code(j)·d for 2·half elements of packed codes (see store_codes32/16). */
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
      store_codes16(x, scaled, y[b].qs + 8 * s);
    }
  }
}

void qs_dequantize_nvfp4(const void *src, float *out, int64_t n) {
  const qs_block_nvfp4 *x = (const qs_block_nvfp4 *)src;
  for (int64_t b = 0; b < n / QS_QK_NVFP4; b++)
    for (int s = 0; s < 4; s++, out += 16) dequantize_codes(x[b].qs + 8 * s, 8, ue4m3_half(x[b].d[s]), out);
}
