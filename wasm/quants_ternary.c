// Ternary formats TQ1_0 (five trits per byte, 1.6875 bpw) and TQ2_0 (2 bits per element), 256-element
// super-blocks with one f16 scale: ggml's quantize_row_tq*_ref (weights are ignored there and here)
// and dequantize_row_tq*. Scalar: they are quick, and the integer arithmetic is the reference's
// byte-wrapping arithmetic, kept in its own types.
#include "quantsmith.h"

/* The reference's `amax = MAX(amax, fabsf(v))` scan: a NaN is taken and replaced by the next value. */
static float running_absmax(const float *x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; j++) {
    const float a = __builtin_fabsf(x[j]);
    amax = amax > a ? amax : a;
  }
  return amax;
}

/* `int xi = lroundf(v) + 1` as it runs on x86-64 glibc: lroundf rounds halves away from zero into a
 * long, or returns LONG_MIN for NaN and magnitudes of 2^63 and beyond; the sum keeps its low 32 bits. */
static inline int trit_plus_one(float v) {
  const int64_t r = (v == v && __builtin_fabsf(v) < 0x1.0p63f) ? (int64_t)__builtin_roundf(v) : INT64_MIN;
  return (int)(uint32_t)((uint64_t)r + 1);
}

/* Five (or four, then shifted) trits as the reference packs them: base 3, then scaled to a byte by the
 * ceiling of q·256/243. */
static inline uint8_t pack_trits(const float *x, int stride, int count, float id) {
  uint8_t q = 0;
  for (int n = 0; n < count; n++) {
    q = (uint8_t)(q * 3);
    q = (uint8_t)(q + trit_plus_one(x[n * stride] * id));
  }
  if (count == 4) q = (uint8_t)(q * 3);
  return (uint8_t)(((uint16_t)q * 256 + (243 - 1)) / 243);
}

void qs_quantize_tq1_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights;
  qs_block_tq1_0 *y = (qs_block_tq1_0 *)dst;
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK_K; b++) {
    const float d = running_absmax(x, QS_QK_K);
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    /* bytes 0..31 hold elements m + 32n (n < 5), bytes 32..47 elements 160 + m + 16n, qh 240 + j + 4m */
    for (int m = 0; m < 32; m++) y[b].qs[m] = pack_trits(x + m, 32, 5, id);
    x += 160;
    for (int m = 0; m < 16; m++) y[b].qs[32 + m] = pack_trits(x + m, 16, 5, id);
    x += 80;
    for (int j = 0; j < 4; j++) y[b].qh[j] = pack_trits(x + j, 4, 4, id);
    x += 16;
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
  for (int64_t b = 0; b < nrows * n_per_row / QS_QK_K; b++) {
    const float d = running_absmax(x, QS_QK_K);
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    /* byte 32g + m holds elements 128g + m + 32k at bits 2k */
    for (int g = 0; g < 2; g++, x += 128)
      for (int m = 0; m < 32; m++) {
        uint8_t q = 0;
        for (int k = 0; k < 4; k++) q = (uint8_t)(q + ((trit_plus_one(x[m + 32 * k] * id) & 3) << (2 * k)));
        y[b].qs[32 * g + m] = q;
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
