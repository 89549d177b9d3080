// k-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K in 256-element super-blocks (ggml's quantize_row_*_K_ref,
// which is what ggml_quantize_chunk runs without an importance matrix, and dequantize_row_*_K).
// The per-sub-block scale searches are iterative and order-sensitive; they live in k_search.h
// (scalar, the reference order) so that a lane-per-sub-block SIMD version can replace them one by one.
#include "simd.h"
#include "k_search.h"

/* L[i] = clamp(nearest_int((x[i] + offset) / d), lo, hi) + bias for n elements (n a multiple of 16),
 * lane-wise. The reference divides (never multiplies by 1/d) and adds no offset for the symmetric
 * formats, so has_offset selects between `(x + offset) / d` and `x / d`. */
static inline void requantize(const float *x, int n, int has_offset, float offset, float d, int lo, int hi, int bias,
                              uint8_t *L) {
  const v128_t vd = wasm_f32x4_splat(d), voff = wasm_f32x4_splat(offset), vbias = wasm_i32x4_splat(bias);
  for (int i = 0; i < n; i += 16) {
    v128_t q[4];
    for (int k = 0; k < 4; k++) {
      v128_t v = wasm_v128_load(x + i + 4 * k);
      if (has_offset) v = wasm_f32x4_add(v, voff);
      q[k] = wasm_i32x4_add(qs_clamp_i32x4(qs_nearest_int_f32x4(wasm_f32x4_div(v, vd)), lo, hi), vbias);
    }
    wasm_v128_store(L + i, qs_pack_u8(q[0], q[1], q[2], q[3]));
  }
}

/* ---- importance weights (the weighted paths, ggml's quantize_row_*_K_impl) ---- */

/* Σx² over a super-block, in element order. */
static float sum_squares(const float *x) {
  float sum = 0;
  for (int i = 0; i < QS_QK_K; i++) sum += x[i] * x[i];
  return sum;
}

/* w[i] = qw[i]·sqrt(sigma2 + x[i]²) over a super-block (lane-wise; sqrt is correctly rounded). */
static void importance_weights(const float *x, const float *qw, float sigma2, float *w) {
  const v128_t s2 = wasm_f32x4_splat(sigma2);
  for (int i = 0; i < QS_QK_K; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(w + i, wasm_f32x4_mul(wasm_v128_load(qw + i), wasm_f32x4_sqrt(wasm_f32x4_add(s2, wasm_f32x4_mul(v, v)))));
  }
}

/* Runs a weighted super-block quantizer over whole rows: the weights index each row's positions. */
typedef void (*weighted_block_fn)(const float *x, void *block, const float *qw);
static void weighted_rows(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *qw,
                          size_t block_bytes, weighted_block_fn quantize_block) {
  uint8_t *y = (uint8_t *)dst;
  for (int64_t r = 0; r < nrows; r++)
    for (int64_t b = 0; b < n_per_row / QS_QK_K; b++, x += QS_QK_K, y += block_bytes) quantize_block(x, y, qw + QS_QK_K * b);
}

/* ---- 6-bit scale/min packing shared by Q4_K and Q5_K (ggml's get_scale_min_k4 layout) ---- */

static void pack_scales_mins_k4(uint8_t *packed, const uint8_t *ls, const uint8_t *lm) {
  for (int j = 0; j < 8; j++) {
    if (j < 4) {
      packed[j] = ls[j];
      packed[j + 4] = lm[j];
    } else {
      packed[j + 4] = (uint8_t)((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      packed[j - 4] |= (uint8_t)((ls[j] >> 4) << 6);
      packed[j] |= (uint8_t)((lm[j] >> 4) << 6);
    }
  }
}

static inline void unpack_scale_min_k4(int j, const uint8_t *packed, uint8_t *scale, uint8_t *min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = (uint8_t)((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4));
    *min = (uint8_t)((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

/* Q3_K's 16 six-bit scales: low nibbles in bytes 0..7, top two bits in bytes 8..11. Returns scale - 32. */
static inline int q3_scale(const uint8_t *packed, int j) {
  const int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
  const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

/* 2-bit quants of a 256-block, as Q2_K and Q3_K lay them out: byte l of each 32-byte group holds
 * elements l, l+32, l+64, l+96 of that 128-element half. */
static void pack_2bit(uint8_t *qs, const uint8_t *L) {
  for (int j = 0; j < QS_QK_K; j += 128)
    for (int l = 0; l < 32; l++)
      qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

/* out[0..15] = scale·q − sub (or scale·q) for 16 signed byte quants, in the reference's operand order. */
static inline void store_dequant16(float *out, v128_t q_i8, float scale, int has_sub, float sub) {
  const v128_t vs = wasm_f32x4_splat(scale), vsub = wasm_f32x4_splat(sub);
  for (int k = 0; k < 4; k++) {
    v128_t v = wasm_f32x4_mul(vs, wasm_f32x4_convert_i32x4(qs_i8_quarter(q_i8, k)));
    if (has_sub) v = wasm_f32x4_sub(v, vsub);
    wasm_v128_store(out + 4 * k, v);
  }
}

/* The 2-bit quants of 16-element sub-block j of a Q2_K/Q3_K block (see pack_2bit). */
static inline v128_t low2_of_sub_block(const uint8_t *qs, int j) {
  const v128_t bytes = wasm_v128_load(qs + 32 * (j / 8) + 16 * (j % 2));
  return wasm_v128_and(wasm_u8x16_shr(bytes, 2 * ((j % 8) / 2)), wasm_i8x16_splat(3));
}

/* ---- Q2_K ---- */

/* ggml's quantize_row_q2_K_impl for one super-block. */
static void quantize_q2_K_block_weighted(const float *x, void *block, const float *qw) {
  qs_block_q2_K *y = (qs_block_q2_K *)block;
  uint8_t L[QS_QK_K], Ls[16], Lm[16];
  float w[QS_QK_K], scales[16], mins[16], sw[16];
  importance_weights(x, qw, sum_squares(x) / QS_QK_K, w);
  qs_affine_sub_scales_weighted(x, w, 16, 3, L, scales, mins, sw);
  y->d = qs_f32_to_half(qs_make_qp_quants(16, 15, scales, Ls, sw));
  y->dmin = qs_f32_to_half(qs_make_qp_quants(16, 15, mins, Lm, sw));
  const float dm = qs_half_to_f32(y->d), mm = qs_half_to_f32(y->dmin);
  for (int j = 0; j < 16; j++) y->scales[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
  for (int j = 0; j < 16; j++) {
    const float d = dm * (y->scales[j] & 0xF);
    if (!d) continue;
    requantize(x + 16 * j, 16, 1, mm * (y->scales[j] >> 4), d, 0, 3, 0, L + 16 * j);
  }
  pack_2bit(y->qs, L);
}

void qs_quantize_q2_K(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    weighted_rows(x, dst, nrows, n_per_row, quant_weights, sizeof(qs_block_q2_K), quantize_q2_K_block_weighted);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q2_K *y = (qs_block_q2_K *)dst;
  uint8_t L[QS_QK_K];
  float scales[16], mins[16];
  const float q4scale = 15.f;
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    qs_q2k_sub_scales(x, L, scales, mins);
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; j++) {
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < 16; j++) y[b].scales[j] = (uint8_t)qs_nearest_int(iscale * scales[j]);
      y[b].d = qs_f32_to_half(max_scale / q4scale);
    } else {
      memset(y[b].scales, 0, 16);
      y[b].d = qs_f32_to_half(0.f);
    }
    if (max_min > 0) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < 16; j++) y[b].scales[j] |= (uint8_t)(qs_nearest_int(iscale * mins[j]) << 4);
      y[b].dmin = qs_f32_to_half(max_min / q4scale);
    } else {
      y[b].dmin = qs_f32_to_half(0.f);
    }
    /* re-quantize against the rounded scales; a zero scale keeps the search's quants */
    const float d_all = qs_half_to_f32(y[b].d), dmin_all = qs_half_to_f32(y[b].dmin);
    for (int j = 0; j < 16; j++) {
      const float d = d_all * (y[b].scales[j] & 0xF);
      if (!d) continue;
      const float dm = dmin_all * (y[b].scales[j] >> 4);
      requantize(x + 16 * j, 16, 1, dm, d, 0, 3, 0, L + 16 * j);
    }
    pack_2bit(y[b].qs, L);
  }
}

void qs_dequantize_q2_K(const void *src, float *out, int64_t n) {
  const qs_block_q2_K *x = (const qs_block_q2_K *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++, out += QS_QK_K) {
    const float d = qs_half_to_f32(x[b].d), min = qs_half_to_f32(x[b].dmin);
    for (int j = 0; j < 16; j++) {
      const uint8_t sc = x[b].scales[j];
      store_dequant16(out + 16 * j, low2_of_sub_block(x[b].qs, j), d * (sc & 0xF), 1, min * (sc >> 4));
    }
  }
}

/* The first of 16 sub-block scales with the largest magnitude, and that magnitude if asked (Q3_K and Q6_K). */
static inline float largest_scale(const float *scales, float *magnitude) {
  float best = 0, best_abs = 0;
  for (int j = 0; j < 16; j++) {
    const float a = __builtin_fabsf(scales[j]);
    if (a > best_abs) { best_abs = a; best = scales[j]; }
  }
  if (magnitude) *magnitude = best_abs;
  return best;
}

/* ---- Q3_K ---- */

/* Q3_K after the scales: re-quantize against the rounded scales (a zero scale keeps the search's
 * quants, which are stored as l + 4), then split off the high bits and pack. */
static void finish_q3_K(const float *x, qs_block_q3_K *y, int8_t *L) {
  const float d_all = qs_half_to_f32(y->d);
  for (int j = 0; j < 16; j++) {
    const float d = d_all * (int8_t)q3_scale(y->scales, j);
    if (!d) continue;
    requantize(x + 16 * j, 16, 0, 0, d, -4, 3, 4, (uint8_t *)L + 16 * j);
  }
  /* high bit of element e goes to hmask[e % 32], bit e / 32 */
  memset(y->hmask, 0, 32);
  uint8_t low2[QS_QK_K];
  for (int e = 0; e < QS_QK_K; e++) {
    if (L[e] > 3) y->hmask[e % 32] |= (uint8_t)(1 << (e / 32));
    low2[e] = (uint8_t)(L[e] & 3);
  }
  pack_2bit(y->qs, low2);
}

/* ggml's quantize_row_q3_K_impl for one super-block: make_qx_quants on each sub-block with the
 * weights, then again on the 16 scales (weighted by their sub-blocks' Σw) for the 6-bit scales. */
static void quantize_q3_K_block_weighted(const float *x, void *block, const float *qw) {
  qs_block_q3_K *y = (qs_block_q3_K *)block;
  int8_t L[QS_QK_K], Ls[16];
  float w[QS_QK_K], scales[16], sw[16];
  importance_weights(x, qw, 2 * sum_squares(x) / QS_QK_K, w);
  qs_symmetric_sub_scales_weighted(x, w, 4, L, scales, sw);
  const float d_block = qs_make_qx_quants(16, 32, scales, Ls, sw);
  memset(y->scales, 0, 12);
  for (int j = 0; j < 16; j++) {
    const int l = Ls[j];
    if (j < 8) y->scales[j] = (uint8_t)(l & 0xF);
    else y->scales[j - 8] |= (uint8_t)((l & 0xF) << 4);
    y->scales[j % 4 + 8] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
  }
  y->d = qs_f32_to_half(d_block);
  finish_q3_K(x, y, L);
}

void qs_quantize_q3_K(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    weighted_rows(x, dst, nrows, n_per_row, quant_weights, sizeof(qs_block_q3_K), quantize_q3_K_block_weighted);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q3_K *y = (qs_block_q3_K *)dst;
  int8_t L[QS_QK_K];
  float scales[16];
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    qs_q3k_sub_scales(x, L, scales);
    const float max_scale = largest_scale(scales, NULL);
    memset(y[b].scales, 0, 12);
    if (max_scale) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; j++) {
        int8_t l = (int8_t)qs_nearest_int(iscale * scales[j]);
        l = (int8_t)(qs_max_int(-32, qs_min_int(31, l)) + 32);
        if (j < 8) y[b].scales[j] = l & 0xF;
        else y[b].scales[j - 8] |= (uint8_t)((l & 0xF) << 4);
        y[b].scales[j % 4 + 8] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
      }
      y[b].d = qs_f32_to_half(1 / iscale);
    } else {
      y[b].d = qs_f32_to_half(0.f);
    }
    finish_q3_K(x, &y[b], L);
  }
}

void qs_dequantize_q3_K(const void *src, float *out, int64_t n) {
  const qs_block_q3_K *x = (const qs_block_q3_K *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++, out += QS_QK_K) {
    const float d_all = qs_half_to_f32(x[b].d);
    for (int j = 0; j < 16; j++) {
      /* element e's high bit is bit e / 32 of hmask[e % 32]; a clear bit means "subtract 4" */
      const v128_t hm = wasm_v128_load(x[b].hmask + 16 * (j % 2));
      const v128_t clear = wasm_i8x16_eq(wasm_v128_and(hm, wasm_i8x16_splat((int8_t)(1 << (j / 2)))), wasm_i8x16_splat(0));
      const v128_t q = wasm_i8x16_sub(low2_of_sub_block(x[b].qs, j), wasm_v128_and(clear, wasm_i8x16_splat(4)));
      store_dequant16(out + 16 * j, q, d_all * q3_scale(x[b].scales, j), 0, 0);
    }
  }
}

/* ---- Q4_K and Q5_K: 8 sub-blocks of 32 with a 6-bit scale and min each ---- */

/* Re-quantizes every sub-block whose rounded scale is non-zero to 0..nmax against the stored scales. */
static void requantize_q45_K(const float *x, const uint8_t *packed, qs_half d, qs_half dmin, int nmax, uint8_t *L) {
  const float d_all = qs_half_to_f32(d), dmin_all = qs_half_to_f32(dmin);
  for (int j = 0; j < 8; j++) {
    uint8_t sc, m;
    unpack_scale_min_k4(j, packed, &sc, &m);
    const float dl = d_all * sc;
    if (!dl) continue;
    requantize(x + 32 * j, 32, 1, dmin_all * m, dl, 0, nmax, 0, L + 32 * j);
  }
}

/* Rounds the 8 sub-block scales and mins to 6 bits against their maxima, stores them, and
 * re-quantizes (the no-imatrix path). */
static void finish_q45_K(const float *x, float *scales, float *mins, uint8_t *L, int nmax,
                         qs_half *d_out, qs_half *dmin_out, uint8_t *packed) {
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; j++) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; j++) {
    const uint8_t s = (uint8_t)qs_nearest_int(inv_scale * scales[j]);
    const uint8_t m = (uint8_t)qs_nearest_int(inv_min * mins[j]);
    ls[j] = s < 63 ? s : 63;
    lm[j] = m < 63 ? m : 63;
  }
  pack_scales_mins_k4(packed, ls, lm);
  *d_out = qs_f32_to_half(max_scale / 63.f);
  *dmin_out = qs_f32_to_half(max_min / 63.f);
  requantize_q45_K(x, packed, *d_out, *dmin_out, nmax, L);
}

/* The weighted path (ggml's quantize_row_q4_K_impl / q5_K_impl): make_qkx3_quants on each sub-block
 * with weights qw·sqrt(sigma2 + x²), then make_qp_quants on the scales and on the mins, weighted by
 * each sub-block's Σw. Q5_K clamps the 6-bit values to 63; Q4_K stores them as they come (a negative
 * quant wraps as a byte, as there). */
static void weighted_q45_K(const float *x, const float *qw, int nmax, int clamp, uint8_t *L, qs_half *d_out,
                           qs_half *dmin_out, uint8_t *packed) {
  float w[QS_QK_K], scales[8], mins[8], sw[8];
  uint8_t ls[8], lm[8];
  importance_weights(x, qw, 2 * sum_squares(x) / QS_QK_K, w);
  qs_affine_sub_scales_weighted(x, w, 32, nmax, L, scales, mins, sw);
  const float d_block = qs_make_qp_quants(8, 63, scales, ls, sw);
  const float m_block = qs_make_qp_quants(8, 63, mins, lm, sw);
  if (clamp)
    for (int j = 0; j < 8; j++) {
      ls[j] = ls[j] < 63 ? ls[j] : 63;
      lm[j] = lm[j] < 63 ? lm[j] : 63;
    }
  pack_scales_mins_k4(packed, ls, lm);
  *d_out = qs_f32_to_half(d_block);
  *dmin_out = qs_f32_to_half(m_block);
  requantize_q45_K(x, packed, *d_out, *dmin_out, nmax, L);
}

static void pack_q4_K_quants(qs_block_q4_K *y, const uint8_t *L) {
  for (int j = 0; j < QS_QK_K; j += 64)
    for (int l = 0; l < 32; l++) y->qs[j / 2 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
}

static void quantize_q4_K_block_weighted(const float *x, void *block, const float *qw) {
  qs_block_q4_K *y = (qs_block_q4_K *)block;
  uint8_t L[QS_QK_K];
  weighted_q45_K(x, qw, 15, 0, L, &y->d, &y->dmin, y->scales);
  pack_q4_K_quants(y, L);
}

void qs_quantize_q4_K(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    weighted_rows(x, dst, nrows, n_per_row, quant_weights, sizeof(qs_block_q4_K), quantize_q4_K_block_weighted);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q4_K *y = (qs_block_q4_K *)dst;
  uint8_t L[QS_QK_K];
  float scales[8], mins[8];
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    qs_q45k_sub_scales(x, L, scales, mins, 15, -1.f, 0.1f, 20);
    finish_q45_K(x, scales, mins, L, 15, &y[b].d, &y[b].dmin, y[b].scales);
    pack_q4_K_quants(&y[b], L);
  }
}

/* Half h (16 elements) of sub-block j's 4-bit values in Q4_K/Q5_K's qs: sub-blocks 2p and 2p+1 share
 * qs[32p..32p+31], the even one in the low nibbles, the odd one in the high nibbles. */
static inline v128_t sub_block_nibbles16(const uint8_t *qs, int j, int h) {
  const v128_t q = wasm_v128_load(qs + 32 * (j / 2) + 16 * h);
  return j % 2 ? wasm_u8x16_shr(q, 4) : wasm_v128_and(q, wasm_i8x16_splat(0x0F));
}

void qs_dequantize_q4_K(const void *src, float *out, int64_t n) {
  const qs_block_q4_K *x = (const qs_block_q4_K *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++, out += QS_QK_K) {
    const float d = qs_half_to_f32(x[b].d), min = qs_half_to_f32(x[b].dmin);
    for (int j = 0; j < 8; j++) {
      uint8_t sc, m;
      unpack_scale_min_k4(j, x[b].scales, &sc, &m);
      const float dl = d * sc, ml = min * m;
      for (int h = 0; h < 2; h++) {
        const v128_t nibble = sub_block_nibbles16(x[b].qs, j, h);
        store_dequant16(out + 32 * j + 16 * h, nibble, dl, 1, ml);
      }
    }
  }
}

/* Sub-block pair p: low nibbles of 2p in qs[32p..], of 2p+1 in the high nibbles; bit 4 of element i
 * of sub-block j goes to qh[i], bit j. */
static void pack_q5_K_quants(qs_block_q5_K *y, const uint8_t *L) {
  memset(y->qh, 0, 32);
  for (int j = 0; j < 8; j++)
    for (int i = 0; i < 32; i++) {
      const int l = L[32 * j + i];
      if (l > 15) y->qh[i] |= (uint8_t)(1 << j);
      if (j % 2 == 0) y->qs[16 * j + i] = (uint8_t)(l & 0xF);
      else y->qs[16 * (j - 1) + i] |= (uint8_t)((l & 0xF) << 4);
    }
}

static void quantize_q5_K_block_weighted(const float *x, void *block, const float *qw) {
  qs_block_q5_K *y = (qs_block_q5_K *)block;
  uint8_t L[QS_QK_K];
  weighted_q45_K(x, qw, 31, 1, L, &y->d, &y->dmin, y->scales);
  pack_q5_K_quants(y, L);
}

void qs_quantize_q5_K(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    weighted_rows(x, dst, nrows, n_per_row, quant_weights, sizeof(qs_block_q5_K), quantize_q5_K_block_weighted);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q5_K *y = (qs_block_q5_K *)dst;
  uint8_t L[QS_QK_K];
  float scales[8], mins[8];
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    qs_q45k_sub_scales(x, L, scales, mins, 31, -0.5f, 0.1f, 15);
    finish_q45_K(x, scales, mins, L, 31, &y[b].d, &y[b].dmin, y[b].scales);
    pack_q5_K_quants(&y[b], L);
  }
}

void qs_dequantize_q5_K(const void *src, float *out, int64_t n) {
  const qs_block_q5_K *x = (const qs_block_q5_K *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++, out += QS_QK_K) {
    const float d = qs_half_to_f32(x[b].d), min = qs_half_to_f32(x[b].dmin);
    for (int j = 0; j < 8; j++) {
      uint8_t sc, m;
      unpack_scale_min_k4(j, x[b].scales, &sc, &m);
      const float dl = d * sc, ml = min * m;
      const v128_t bit = wasm_i8x16_splat((int8_t)(1 << j));
      for (int h = 0; h < 2; h++) {
        const v128_t nibble = sub_block_nibbles16(x[b].qs, j, h);
        const v128_t set = wasm_i8x16_eq(wasm_v128_and(wasm_v128_load(x[b].qh + 16 * h), bit), bit);
        const v128_t q5 = wasm_i8x16_add(nibble, wasm_v128_and(set, wasm_i8x16_splat(16)));
        store_dequant16(out + 32 * j + 16 * h, q5, dl, 1, ml);
      }
    }
  }
}

/* ---- Q6_K: 16 sub-blocks of 16 with signed 8-bit scales ---- */

/* Q6_K after the sub-block scales: 8-bit scales against the largest, re-quantization, packing.
 * An all-zero super-block is written as zeros. */
static inline __attribute__((always_inline)) void finish_q6_K(const float *x, const float *scales, int8_t *L, qs_block_q6_K *y) {
  float max_abs_scale;
  const float max_scale = largest_scale(scales, &max_abs_scale);
  if (max_abs_scale < QS_GROUP_EPS) {
    memset(y, 0, sizeof(*y));
    return;
  }
  const float iscale = -128.f / max_scale;
  y->d = qs_f32_to_half(1 / iscale);
  for (int j = 0; j < 16; j++) y->scales[j] = (int8_t)qs_min_int(127, qs_nearest_int(iscale * scales[j]));
  const float d_all = qs_half_to_f32(y->d);
  for (int j = 0; j < 16; j++) {
    const float d = d_all * y->scales[j];
    if (!d) continue;
    requantize(x + 16 * j, 16, 0, 0, d, -32, 31, 32, (uint8_t *)L + 16 * j);
  }
  /* per 128-half h: element h*128 + 32k + l → low nibble in ql[64h + l + 32(k%2)] (high nibble when
   * k >= 2), top two bits in qh[32h + l] at bit 2k */
  for (int h = 0; h < 2; h++) {
    uint8_t *ql = y->ql + 64 * h, *qh = y->qh + 32 * h;
    const int8_t *Lh = L + 128 * h;
    for (int l = 0; l < 32; l++) {
      ql[l] = (uint8_t)((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
      ql[l + 32] = (uint8_t)((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
      qh[l] = (uint8_t)((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) | ((Lh[l + 96] >> 4) << 6));
    }
  }
}

/* ggml's quantize_row_q6_K_impl: make_qx_quants on each sub-block with the raw importance weights. */
static void quantize_q6_K_block_weighted(const float *x, void *block, const float *qw) {
  int8_t L[QS_QK_K];
  float scales[16];
  qs_symmetric_sub_scales_weighted(x, qw, 32, L, scales, NULL);
  finish_q6_K(x, scales, L, (qs_block_q6_K *)block);
}

void qs_quantize_q6_K(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    weighted_rows(x, dst, nrows, n_per_row, quant_weights, sizeof(qs_block_q6_K), quantize_q6_K_block_weighted);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q6_K *y = (qs_block_q6_K *)dst;
  int8_t L[QS_QK_K];
  float scales[16];
  for (int64_t b = 0; b < n / QS_QK_K; b++, x += QS_QK_K) {
    qs_q6k_sub_scales(x, L, scales);
    finish_q6_K(x, scales, L, &y[b]);
  }
}

void qs_dequantize_q6_K(const void *src, float *out, int64_t n) {
  const qs_block_q6_K *x = (const qs_block_q6_K *)src;
  for (int64_t b = 0; b < n / QS_QK_K; b++, out += QS_QK_K) {
    const float d = qs_half_to_f32(x[b].d);
    for (int h = 0; h < 2; h++) {
      const uint8_t *ql = x[b].ql + 64 * h, *qh = x[b].qh + 32 * h;
      const int8_t *sc = x[b].scales + 8 * h;
      for (int k = 0; k < 4; k++)
        for (int half = 0; half < 2; half++) {
          /* elements 128h + 32k + 16·half + 0..15 */
          const v128_t low_bytes = wasm_v128_load(ql + 32 * (k % 2) + 16 * half);
          const v128_t low = wasm_v128_and(wasm_u8x16_shr(low_bytes, 4 * (k / 2)), wasm_i8x16_splat(0x0F));
          const v128_t high = wasm_v128_and(wasm_u8x16_shr(wasm_v128_load(qh + 16 * half), 2 * k), wasm_i8x16_splat(3));
          const v128_t q = wasm_i8x16_sub(wasm_v128_or(low, wasm_i8x16_shl(high, 4)), wasm_i8x16_splat(32));
          store_dequant16(out + 128 * h + 32 * k + 16 * half, q, d * sc[2 * k + half], 0, 0);
        }
    }
  }
}
