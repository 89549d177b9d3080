// Non-linear 4-bit formats: IQ4_NL (32-element blocks, one f16 scale) and IQ4_XS (256-element
// super-blocks of eight 32-element blocks with 6-bit sub-scales). Quants index a fixed 16-entry
// codebook. ggml_quantize_chunk always runs ggml's quantize_row_iq4_nl_impl for these (ntry = 7,
// weights x² without an imatrix, qw·sqrt(sigma2 + x²) with one); this file follows that routine's
// float order.
//
// SIMD: four 32-element blocks at a time, one per lane (see simd.h), so every block's sums keep the
// reference order; the codebook search is a lane-wise count plus a neighbour comparison.
#include "simd.h"

static const int8_t CODEBOOK[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

#define NTRY 7

/* Lane-wise codebook values CODEBOOK[index] for i32 indices 0..15. */
static inline v128_t codebook_values(v128_t index) {
  const v128_t table = wasm_v128_load(CODEBOOK);
  /* byte 0 of each lane picks the entry; the other bytes index out of range and read 0 */
  const v128_t bytes = wasm_i8x16_swizzle(table, wasm_v128_or(index, wasm_i32x4_splat((int32_t)0xFFFFFF00u)));
  return wasm_f32x4_convert_i32x4(wasm_i32x4_shr(wasm_i32x4_shl(bytes, 24), 24));
}

/* ggml's best_index_int8 per lane: the index of the codebook value nearest x, the upper one on an
 * exact tie. Its binary search ends at hi = 1 + #{k in 1..14 : !(x < CODEBOOK[k])}, which is counted
 * here (written with `<` so that NaN lands on 15 as there); outside the codebook's range the
 * neighbour comparison below already yields 0 or 15. */
static inline v128_t nearest_code_x4(v128_t x, v128_t *value) {
  v128_t hi = wasm_i32x4_splat(15);
  for (int k = 1; k < 15; k++) hi = wasm_i32x4_add(hi, wasm_f32x4_lt(x, wasm_f32x4_splat(CODEBOOK[k])));
  const v128_t lo = wasm_i32x4_sub(hi, wasm_i32x4_splat(1));
  const v128_t lower = codebook_values(lo), upper = codebook_values(hi);
  const v128_t take_lower = wasm_f32x4_lt(wasm_f32x4_sub(x, lower), wasm_f32x4_sub(upper, x));
  *value = qs_select(take_lower, lower, upper);
  return qs_select(take_lower, lo, hi);
}

/* Per lane, the best scale of a 32-element block (x[j], weights w[j] = x[j]²): start from max/-127's
 * least-squares refit, then try the inverse scales (itry + CODEBOOK[0])/max for itry in -7..7. */
static v128_t block_scales_x4(const v128_t *x, const v128_t *w) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  v128_t amax;
  const v128_t max = qs_signed_absmax_x4(32, x, &amax);
  const v128_t all_zero = wasm_f32x4_lt(amax, wasm_f32x4_splat(QS_GROUP_EPS));
  v128_t d = wasm_f32x4_div(wasm_f32x4_neg(max), wasm_f32x4_splat((float)CODEBOOK[0]));
  v128_t id = wasm_f32x4_div(wasm_f32x4_splat(1.f), d);
  v128_t sumqx = zero, sumq2 = zero, q;
  for (int j = 0; j < 32; j++) {
    nearest_code_x4(wasm_f32x4_mul(id, x[j]), &q);
    const v128_t wq = wasm_f32x4_mul(w[j], q);
    sumqx = wasm_f32x4_add(sumqx, wasm_f32x4_mul(wq, x[j]));
    sumq2 = wasm_f32x4_add(sumq2, wasm_f32x4_mul(wq, q));
  }
  d = qs_select(wasm_f32x4_gt(sumq2, zero), wasm_f32x4_div(sumqx, sumq2), zero);
  v128_t best = wasm_f32x4_mul(d, sumqx);
  for (int itry = -NTRY; itry <= NTRY; itry++) {
    id = wasm_f32x4_div(wasm_f32x4_splat((float)(itry + CODEBOOK[0])), max);
    sumqx = sumq2 = zero;
    for (int j = 0; j < 32; j++) {
      nearest_code_x4(wasm_f32x4_mul(id, x[j]), &q);
      const v128_t wq = wasm_f32x4_mul(w[j], q);
      sumqx = wasm_f32x4_add(sumqx, wasm_f32x4_mul(wq, x[j]));
      sumq2 = wasm_f32x4_add(sumq2, wasm_f32x4_mul(wq, q));
    }
    const v128_t better = wasm_v128_and(wasm_f32x4_gt(sumq2, zero),
                                        wasm_f32x4_gt(wasm_f32x4_mul(sumqx, sumqx), wasm_f32x4_mul(best, sumq2)));
    d = qs_select(better, wasm_f32x4_div(sumqx, sumq2), d);
    best = qs_select(better, wasm_f32x4_mul(d, sumqx), best);
  }
  return qs_select(all_zero, zero, d);
}

static inline void squares(const v128_t *x, v128_t *w) {
  for (int j = 0; j < 32; j++) w[j] = wasm_f32x4_mul(x[j], x[j]);
}

/* Quants of four blocks against per-lane inverse scales, packed 16 bytes per block (elements j and
 * j + 16 share byte j) at qs, qs + stride, … */
static void store_codes_x4(const v128_t *x, v128_t inverse_scale, uint8_t *qs, int stride) {
  v128_t codes[32], unused;
  uint8_t L[4 * 32];
  for (int j = 0; j < 32; j++) codes[j] = nearest_code_x4(wasm_f32x4_mul(inverse_scale, x[j]), &unused);
  qs_store_lane_bytes(codes, 32, 32, L);
  for (int b = 0; b < 4; b++) {
    const v128_t low = wasm_v128_load(L + 32 * b), high = wasm_v128_load(L + 32 * b + 16);
    wasm_v128_store(qs + stride * b, wasm_v128_or(low, wasm_i8x16_shl(high, 4)));
  }
}

/* ggml's importance weights for these types: qw·sqrt(sigma2 + x²), sigma2 = Σx²·2/(super-block size). */
static inline void weights_from_importance(const v128_t *x, const v128_t *qw, v128_t sigma2, v128_t *w) {
  for (int j = 0; j < 32; j++) w[j] = wasm_f32x4_mul(qw[j], wasm_f32x4_sqrt(wasm_f32x4_add(sigma2, wasm_f32x4_mul(x[j], x[j]))));
}

/* Four IQ4_NL blocks from 128 consecutive floats (and their 128 importance weights, or NULL). */
static void quantize_iq4_nl_x4(const float *x, const float *qw, qs_block_iq4_nl *y) {
  v128_t xt[32], w[32];
  qs_load_lanes(x, 32, 32, xt);
  if (qw) {
    v128_t qwt[32], sum = wasm_f32x4_splat(0.f);
    qs_load_lanes(qw, 32, 32, qwt);
    for (int j = 0; j < 32; j++) sum = wasm_f32x4_add(sum, wasm_f32x4_mul(xt[j], xt[j]));
    weights_from_importance(xt, qwt, wasm_f32x4_mul(sum, wasm_f32x4_splat(2.f / 32)), w);
  } else {
    squares(xt, w);
  }
  const v128_t d = block_scales_x4(xt, w);
  float ds[4];
  wasm_v128_store(ds, d);
  for (int b = 0; b < 4; b++) y[b].d = qs_f32_to_half(ds[b]);
  /* the final quants come from the chosen scale itself, not its f16 rounding */
  const v128_t nonzero = wasm_f32x4_ne(d, wasm_f32x4_splat(0.f));
  const v128_t id = wasm_v128_and(wasm_f32x4_div(wasm_f32x4_splat(1.f), d), nonzero);
  uint8_t packed[4 * 16];
  store_codes_x4(xt, id, packed, 16);
  for (int b = 0; b < 4; b++) memcpy(y[b].qs, packed + 16 * b, 16);
}

/* One row of IQ4_NL blocks; qw indexes the row's positions. */
static void quantize_iq4_nl_row(const float *x, const float *qw, qs_block_iq4_nl *y, int64_t nb) {
  int64_t b = 0;
  for (; b + 4 <= nb; b += 4) quantize_iq4_nl_x4(x + QS_QK * b, qw ? qw + QS_QK * b : NULL, y + b);
  if (b < nb) { /* 1-3 trailing blocks: run them in zero-padded lanes and keep only those */
    float padded[4 * QS_QK] = {0}, padded_w[4 * QS_QK] = {0};
    qs_block_iq4_nl out[4];
    const int rest = (int)(nb - b);
    memcpy(padded, x + QS_QK * b, sizeof(float) * QS_QK * rest);
    if (qw) memcpy(padded_w, qw + QS_QK * b, sizeof(float) * QS_QK * rest);
    quantize_iq4_nl_x4(padded, qw ? padded_w : NULL, out);
    memcpy(y + b, out, sizeof(out[0]) * rest);
  }
}

void qs_quantize_iq4_nl(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  qs_block_iq4_nl *y = (qs_block_iq4_nl *)dst;
  if (!quant_weights) { /* rows do not matter: one long row */
    quantize_iq4_nl_row(x, NULL, y, nrows * n_per_row / QS_QK);
    return;
  }
  const int64_t nb = n_per_row / QS_QK;
  for (int64_t r = 0; r < nrows; r++) quantize_iq4_nl_row(x + r * n_per_row, quant_weights, y + r * nb, nb);
}

/* Σx² of a super-block in element order, times 2/256 (ggml's sigma2 for IQ4_XS). */
static float super_block_sigma2(const float *x) {
  float sum = 0;
  for (int j = 0; j < QS_QK_K; j++) sum += x[j] * x[j];
  return sum * (2.f / QS_QK_K);
}

void qs_quantize_iq4_xs(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const int64_t n = nrows * n_per_row;
  qs_block_iq4_xs *y = (qs_block_iq4_xs *)dst;
  v128_t xt[2][32], w[32], qwt[32];
  float scales[8];
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    /* importance weights index positions within the row */
    const float *qw = quant_weights ? quant_weights + (b * QS_QK_K) % n_per_row : NULL;
    const v128_t sigma2 = wasm_f32x4_splat(qw ? super_block_sigma2(x) : 0.f);
    for (int g = 0; g < 2; g++) {
      qs_load_lanes(x + 128 * g, 32, 32, xt[g]);
      if (qw) {
        qs_load_lanes(qw + 128 * g, 32, 32, qwt);
        weights_from_importance(xt[g], qwt, sigma2, w);
      } else {
        squares(xt[g], w);
      }
      wasm_v128_store(scales + 4 * g, block_scales_x4(xt[g], w));
    }
    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < 8; ib++) {
      const float a = __builtin_fabsf(scales[ib]);
      if (a > amax_scale) { amax_scale = a; max_scale = scales[ib]; }
    }
    const float d = -max_scale / 32;
    y[b].d = qs_f32_to_half(d);
    const float id = d ? 1 / d : 0.f;
    float inverse_scales[8];
    y[b].scales_h = 0;
    for (int ib = 0; ib < 8; ib++) {
      int l = qs_max_int(-32, qs_min_int(31, qs_nearest_int(id * scales[ib])));
      const float dl = d * l;
      inverse_scales[ib] = dl ? 1 / dl : 0.f;
      l += 32;
      if (ib % 2 == 0) y[b].scales_l[ib / 2] = (uint8_t)(l & 0xF);
      else y[b].scales_l[ib / 2] |= (uint8_t)((l & 0xF) << 4);
      y[b].scales_h |= (uint16_t)((l >> 4) << (2 * ib));
    }
    for (int g = 0; g < 2; g++) store_codes_x4(xt[g], wasm_v128_load(inverse_scales + 4 * g), y[b].qs + 64 * g, 16);
  }
}

/* 16 packed bytes → codebook values of the low nibbles (elements 0..15) and high nibbles (16..31), times d. */
static inline void dequantize_codes32(const uint8_t *qs, float d, float *out) {
  const v128_t table = wasm_v128_load(CODEBOOK);
  const v128_t q = wasm_v128_load(qs);
  const v128_t low = wasm_i8x16_swizzle(table, wasm_v128_and(q, wasm_i8x16_splat(0x0F)));
  const v128_t high = wasm_i8x16_swizzle(table, wasm_u8x16_shr(q, 4));
  const v128_t vd = wasm_f32x4_splat(d);
  for (int k = 0; k < 4; k++) {
    wasm_v128_store(out + 4 * k, wasm_f32x4_mul(vd, wasm_f32x4_convert_i32x4(qs_i8_quarter(low, k))));
    wasm_v128_store(out + 16 + 4 * k, wasm_f32x4_mul(vd, wasm_f32x4_convert_i32x4(qs_i8_quarter(high, k))));
  }
}

void qs_dequantize_iq4_nl(const void *src, float *out, int64_t n) {
  const qs_block_iq4_nl *x = (const qs_block_iq4_nl *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) dequantize_codes32(x[b].qs, qs_half_to_f32(x[b].d), out);
}

void qs_dequantize_iq4_xs(const void *src, float *out, int64_t n) {
  const qs_block_iq4_xs *x = (const qs_block_iq4_xs *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++) {
    const float d = qs_half_to_f32(x[b].d);
    for (int ib = 0; ib < 8; ib++, out += 32) {
      const int ls = ((x[b].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((x[b].scales_h >> (2 * ib)) & 3) << 4);
      dequantize_codes32(x[b].qs + 16 * ib, d * (ls - 32), out);
    }
  }
}
