// Ternary formats TQ1_0 (five trits per byte, 1.6875 bpw) and TQ2_0 (2 bits per element), 256-element
// super-blocks with one f16 scale: ggml's quantize_row_tq*_ref (weights are ignored there and here)
// and dequantize_row_tq*. The trits are computed four at a time; the packing is the reference's
// byte-wrapping arithmetic on sixteen bytes at a time.
#include "simd.h"

/* The reference's `amax = MAX(amax, fabsf(v))` scan: a NaN is taken and replaced by the next value. */
static float running_absmax(const float *x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; j++) {
    const float a = __builtin_fabsf(x[j]);
    amax = amax > a ? amax : a;
  }
  return amax;
}

/* The low byte of `int xi = lroundf(x[i]·id) + 1` for a super-block, as it runs on x86-64 glibc:
 * lroundf rounds halves away from zero into a long, or returns LONG_MIN for NaN and magnitudes of
 * 2^63 and beyond. Only the low byte matters to the packing, and for every value that does not fit
 * an int (a float of magnitude 2^31 or more is a multiple of 256; LONG_MIN's low byte is 0) it is 1. */
static void trits_plus_one(const float *x, float id, uint8_t *t) {
  const v128_t vid = wasm_f32x4_splat(id), one = wasm_i32x4_splat(1);
  for (int i = 0; i < QS_QK_K; i += 16) {
    v128_t q[4];
    for (int k = 0; k < 4; k++) {
      const v128_t r = qs_roundf_f32x4(wasm_f32x4_mul(wasm_v128_load(x + i + 4 * k), vid));
      const v128_t fits = wasm_f32x4_lt(wasm_f32x4_abs(r), wasm_f32x4_splat(2147483648.f));
      const v128_t plus_one = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(r), one);
      q[k] = wasm_v128_and(qs_select(fits, plus_one, one), wasm_i32x4_splat(0xFF));
    }
    wasm_v128_store(t + i, qs_pack_u8(q[0], q[1], q[2], q[3]));
  }
}

/* Sixteen bytes of five (or four, then shifted) trits, as the reference packs them: base 3 with byte
 * wrap-around, then scaled to a byte by the ceiling of q·256/243 (floor((q·256 + 242)/243), exact in
 * float: the quotient is never within 1/243 of an integer it does not equal). */
static v128_t pack_trits16(const uint8_t *t, int stride, int count) {
  v128_t q = wasm_i8x16_splat(0);
  for (int n = 0; n < count; n++) q = wasm_i8x16_add(wasm_i8x16_add(wasm_i8x16_add(q, q), q), wasm_v128_load(t + n * stride));
  if (count == 4) q = wasm_i8x16_add(wasm_i8x16_add(q, q), q);
  v128_t out[4];
  for (int k = 0; k < 4; k++) {
    const v128_t n = wasm_f32x4_convert_i32x4(wasm_i32x4_add(wasm_i32x4_shl(qs_u8_quarter(q, k), 8), wasm_i32x4_splat(242)));
    out[k] = wasm_v128_and(wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_div(n, wasm_f32x4_splat(243.f))), wasm_i32x4_splat(0xFF));
  }
  return qs_pack_u8(out[0], out[1], out[2], out[3]);
}

void qs_quantize_tq1_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_tq1_0 *y = (qs_block_tq1_0 *)dst;
  uint8_t t[QS_QK_K + 16] = {0}; /* qh's 16-byte loads run 12 bytes past the trits */
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK_K; b++, x += QS_QK_K) {
    const float d = running_absmax(x, QS_QK_K);
    y[b].d = qs_f32_to_half(d);
    trits_plus_one(x, d ? 1.0f / d : 0.0f, t);
    /* bytes 0..31 hold elements m + 32n (n < 5), bytes 32..47 elements 160 + m + 16n, qh[j] 240 + j + 4m */
    wasm_v128_store(y[b].qs, pack_trits16(t, 32, 5));
    wasm_v128_store(y[b].qs + 16, pack_trits16(t + 16, 32, 5));
    wasm_v128_store(y[b].qs + 32, pack_trits16(t + 160, 16, 5));
    uint8_t qh[16];
    wasm_v128_store(qh, pack_trits16(t + 240, 4, 4)); /* bytes 0..3 are qh */
    memcpy(y[b].qh, qh, 4);
  }
}

static inline float trit_value(uint8_t byte, uint8_t power, float d) {
  const uint8_t q = (uint8_t)(byte * power);
  const int16_t xi = (int16_t)(((uint16_t)q * 3) >> 8);
  return (float)(xi - 1) * d;
}

void qs_dequantize_tq1_0(const void *src, float *y, int64_t n) {
  static const uint8_t POW3[5] = {1, 3, 9, 27, 81};
  const qs_block_tq1_0 *x = (const qs_block_tq1_0 *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++) {
    const float d = qs_half_to_f32(x[b].d);
    for (int t = 0; t < 5; t++)
      for (int m = 0; m < 32; m++) *y++ = trit_value(x[b].qs[m], POW3[t], d);
    for (int t = 0; t < 5; t++)
      for (int m = 0; m < 16; m++) *y++ = trit_value(x[b].qs[32 + m], POW3[t], d);
    for (int t = 0; t < 4; t++)
      for (int j = 0; j < 4; j++) *y++ = trit_value(x[b].qh[j], POW3[t], d);
  }
}

void qs_quantize_tq2_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_tq2_0 *y = (qs_block_tq2_0 *)dst;
  uint8_t t[QS_QK_K];
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK_K; b++, x += QS_QK_K) {
    const float d = running_absmax(x, QS_QK_K);
    y[b].d = qs_f32_to_half(d);
    trits_plus_one(x, d ? 1.0f / d : 0.0f, t);
    /* byte 32g + m holds elements 128g + m + 32k at bits 2k */
    for (int i = 0; i < 64; i += 16) {
      const uint8_t *tg = t + 128 * (i / 32) + i % 32;
      v128_t q = wasm_i8x16_splat(0);
      for (int k = 0; k < 4; k++) q = wasm_v128_or(q, wasm_i8x16_shl(wasm_v128_and(wasm_v128_load(tg + 32 * k), wasm_i8x16_splat(3)), 2 * k));
      wasm_v128_store(y[b].qs + i, q);
    }
  }
}

void qs_dequantize_tq2_0(const void *src, float *y, int64_t n) {
  const qs_block_tq2_0 *x = (const qs_block_tq2_0 *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++) {
    const float d = qs_half_to_f32(x[b].d);
    for (int g = 0; g < 2; g++)
      for (int k = 0; k < 4; k++)
        for (int m = 0; m < 32; m++) *y++ = (float)(((x[b].qs[32 * g + m] >> (2 * k)) & 3) - 1) * d;
  }
}
