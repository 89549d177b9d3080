// Non-linear 4-bit formats: IQ4_NL (32-element blocks, one f16 scale) and IQ4_XS (256-element
// super-blocks of eight 32-element blocks with 6-bit sub-scales). Quants index a fixed 16-entry
// codebook. ggml_quantize_chunk always runs ggml's quantize_row_iq4_nl_impl for these (ntry = 7,
// importance weights x² when there is no imatrix); this file follows that routine's float order.
#include "quantsmith.h"

static const int8_t CODEBOOK[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

#define NTRY 7

/* Index of the codebook value nearest x; on an exact tie between neighbours, the upper one
 * (the binary search of ggml's best_index_int8). */
static inline int nearest_code(float x) {
  if (x <= CODEBOOK[0]) return 0;
  if (x >= CODEBOOK[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (x < CODEBOOK[mid]) hi = mid;
    else lo = mid;
  }
  return x - CODEBOOK[hi - 1] < CODEBOOK[hi] - x ? hi - 1 : hi;
}

/* Best scale for one 32-element block: start from max/-127, then try the 15 inverse scales
 * (itry + CODEBOOK[0])/max and keep the weighted least-squares scale with the best fit. */
static float block_scale(const float *x, const float *w, uint8_t *L) {
  float amax = 0, max = 0;
  for (int j = 0; j < 32; j++) {
    const float a = __builtin_fabsf(x[j]);
    if (a > amax) { amax = a; max = x[j]; }
  }
  if (amax < QS_GROUP_EPS) return 0;
  float d = -max / CODEBOOK[0];
  float id = 1 / d;
  float sumqx = 0, sumq2 = 0;
  for (int j = 0; j < 32; j++) {
    const int l = nearest_code(id * x[j]);
    L[j] = (uint8_t)l;
    const float q = CODEBOOK[l];
    sumqx += w[j] * q * x[j];
    sumq2 += w[j] * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int itry = -NTRY; itry <= NTRY; itry++) {
    id = (itry + CODEBOOK[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < 32; j++) {
      const float q = CODEBOOK[nearest_code(id * x[j])];
      sumqx += w[j] * q * x[j];
      sumq2 += w[j] * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

static void pack_nibbles32(uint8_t *qs, const uint8_t *L) {
  for (int j = 0; j < 16; j++) qs[j] = (uint8_t)(L[j] | (L[16 + j] << 4));
}

void qs_quantize_iq4_nl(const float *x, void *dst, int64_t n) {
  qs_block_iq4_nl *y = (qs_block_iq4_nl *)dst;
  uint8_t L[32];
  float w[32];
  for (int64_t b = 0; b < n / QS_QK; b++, x += QS_QK) {
    for (int j = 0; j < 32; j++) w[j] = x[j] * x[j];
    const float d = block_scale(x, w, L);
    y[b].d = qs_f32_to_half(d);
    /* the final quants come from the chosen scale itself, not the rounded f16 */
    const float id = d ? 1 / d : 0;
    for (int j = 0; j < 32; j++) L[j] = (uint8_t)nearest_code(id * x[j]);
    pack_nibbles32(y[b].qs, L);
  }
}

void qs_quantize_iq4_xs(const float *x, void *dst, int64_t n) {
  qs_block_iq4_xs *y = (qs_block_iq4_xs *)dst;
  uint8_t L[32];
  float w[32], scales[8];
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < 8; ib++) {
      const float *xb = x + 32 * ib;
      for (int j = 0; j < 32; j++) w[j] = xb[j] * xb[j];
      scales[ib] = block_scale(xb, w, L);
      const float a = __builtin_fabsf(scales[ib]);
      if (a > amax_scale) { amax_scale = a; max_scale = scales[ib]; }
    }
    const float d = -max_scale / 32;
    y[b].d = qs_f32_to_half(d);
    const float id = d ? 1 / d : 0.f;
    y[b].scales_h = 0;
    for (int ib = 0; ib < 8; ib++) {
      int l = qs_max_int(-32, qs_min_int(31, qs_nearest_int(id * scales[ib])));
      const float dl = d * l;
      const float idl = dl ? 1 / dl : 0.f;
      const float *xb = x + 32 * ib;
      for (int j = 0; j < 32; j++) L[j] = (uint8_t)nearest_code(idl * xb[j]);
      pack_nibbles32(y[b].qs + 16 * ib, L);
      l += 32;
      if (ib % 2 == 0) y[b].scales_l[ib / 2] = (uint8_t)(l & 0xF);
      else y[b].scales_l[ib / 2] |= (uint8_t)((l & 0xF) << 4);
      y[b].scales_h |= (uint16_t)((l >> 4) << (2 * ib));
    }
  }
}

void qs_dequantize_iq4_nl(const void *src, float *out, int64_t n) {
  const qs_block_iq4_nl *x = (const qs_block_iq4_nl *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) {
    const float d = qs_half_to_f32(x[b].d);
    for (int j = 0; j < 16; j++) {
      out[j] = d * CODEBOOK[x[b].qs[j] & 0xF];
      out[j + 16] = d * CODEBOOK[x[b].qs[j] >> 4];
    }
  }
}

void qs_dequantize_iq4_xs(const void *src, float *out, int64_t n) {
  const qs_block_iq4_xs *x = (const qs_block_iq4_xs *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++) {
    const float d = qs_half_to_f32(x[b].d);
    for (int ib = 0; ib < 8; ib++, out += 32) {
      const int ls = ((x[b].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((x[b].scales_h >> (2 * ib)) & 3) << 4);
      const float dl = d * (ls - 32);
      const uint8_t *qs = x[b].qs + 16 * ib;
      for (int j = 0; j < 16; j++) {
        out[j] = dl * CODEBOOK[qs[j] & 0xF];
        out[j + 16] = dl * CODEBOOK[qs[j] >> 4];
      }
    }
  }
}
