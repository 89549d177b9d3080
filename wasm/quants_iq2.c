// 2-bit codebook quants on the E8 lattice (groups of 8 values, levels 0..2 as 1, 3, 5): IQ2_XXS
// (256-entry grid, 32-value blocks), IQ2_XS (512 entries, 16-value blocks) and IQ2_S (1024 entries,
// 16-value blocks, 8 plain sign bits). Each follows ggml's quantize_row_iq2_*_impl in its float order.
#include "quants_iq.h"
#include "simd.h"
#include "grids/iq2s_grid.h"
#include "grids/iq2xs_grid.h"
#include "grids/iq2xxs_grid.h"
#include "grids/ksigns_iq2xs.h"

#define KMAXQ 3
#define EPS_IQ2_S 1e-8f

/* ggml's iq2_find_best_neighbour: the listed grid point nearest xval at this scale (weighted), its
 * levels written to L. Four neighbours at a time, one per lane, each lane summing its 8 terms in the
 * reference order; the winner is the first in list order of least distance, as the scalar scan's
 * strict `<` keeps it (NaN distances never win). */
typedef struct {
  v128_t x[8], w[8]; /* a group's magnitudes and neighbour weights, each splatted across the lanes */
} group_lanes;

static void splat_groups(int groups, const float *xval, const float *waux, group_lanes *g) {
  for (int k = 0; k < groups; k++)
    for (int i = 0; i < 8; i++) {
      g[k].x[i] = wasm_f32x4_splat(xval[8 * k + i]);
      g[k].w[i] = wasm_f32x4_splat(waux[8 * k + i]);
    }
}

static int best_neighbour8(const qs_lattice *lat, const uint16_t *list, const group_lanes *g, float scale, int8_t *L) {
  const int count = list[0];
  const v128_t vscale = wasm_f32x4_splat(scale), inf = wasm_f32x4_splat(__builtin_inff());
  const v128_t *x = g->x, *w = g->w;
  v128_t best = wasm_f32x4_splat(3.40282347e+38f), best_at = wasm_i32x4_splat(-1);
  for (int j = 1; j <= count; j += 4) {
    const int last = count - j; /* lanes beyond it are padding */
    const float *p0 = lat->fpoints + 8 * list[j];
    const float *p1 = lat->fpoints + 8 * list[j + (last >= 1)];
    const float *p2 = lat->fpoints + 8 * list[j + (last >= 2 ? 2 : 0)];
    const float *p3 = lat->fpoints + 8 * list[j + (last >= 3 ? 3 : 0)];
    v128_t c[8] = {wasm_v128_load(p0), wasm_v128_load(p1), wasm_v128_load(p2), wasm_v128_load(p3),
                   wasm_v128_load(p0 + 4), wasm_v128_load(p1 + 4), wasm_v128_load(p2 + 4), wasm_v128_load(p3 + 4)};
    qs_transpose4(&c[0], &c[1], &c[2], &c[3]);
    qs_transpose4(&c[4], &c[5], &c[6], &c[7]);
    v128_t d2 = wasm_f32x4_splat(0.f);
    for (int i = 0; i < 8; i++) {
      const v128_t diff = wasm_f32x4_sub(wasm_f32x4_mul(vscale, c[i]), x[i]);
      d2 = wasm_f32x4_add(d2, wasm_f32x4_mul(wasm_f32x4_mul(w[i], diff), diff));
    }
    const v128_t at = wasm_i32x4_add(wasm_i32x4_splat(j), wasm_i32x4_const(0, 1, 2, 3));
    d2 = qs_select(wasm_i32x4_gt(at, wasm_i32x4_splat(count)), inf, d2);
    const v128_t better = wasm_f32x4_lt(d2, best);
    best = qs_select(better, d2, best);
    best_at = qs_select(better, at, best_at);
  }
  const int pos = qs_first_least(best, best_at);
  const int index = list[pos >= 1 ? pos : 1]; /* none: only for NaN distances, where ggml aborts */
  const int8_t *pg = lat->points + 8 * index;
  for (int i = 0; i < 8; i++) L[i] = (int8_t)((pg[i] - 1) / 2);
  return index;
}

/* Levels of a group of 8 at inverse scale id, ggml's nearest_int(0.5·(id·x − 1)) clamped to 0..2 (four
 * per vector), written to L; returns the group's key (2 bits per level). */
static inline int group_key(const float *xval, float id, int8_t *L) {
  const v128_t vid = wasm_f32x4_splat(id), half = wasm_f32x4_splat(0.5f), one = wasm_f32x4_splat(1.f);
  const v128_t lo = qs_clamp_i32x4(qs_nearest_int_f32x4(wasm_f32x4_mul(half, wasm_f32x4_sub(wasm_f32x4_mul(vid, wasm_v128_load(xval)), one))), 0, KMAXQ - 1);
  const v128_t hi = qs_clamp_i32x4(qs_nearest_int_f32x4(wasm_f32x4_mul(half, wasm_f32x4_sub(wasm_f32x4_mul(vid, wasm_v128_load(xval + 4)), one))), 0, KMAXQ - 1);
  const v128_t bytes = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(lo, hi), wasm_i16x8_narrow_i32x4(lo, hi));
  wasm_v128_store64_lane(L, bytes, 0);
  v128_t key = wasm_i32x4_add(wasm_i32x4_mul(lo, wasm_i32x4_const(1, 4, 16, 64)), wasm_i32x4_mul(hi, wasm_i32x4_const(256, 1024, 4096, 16384)));
  key = wasm_i32x4_add(key, wasm_i32x4_shuffle(key, key, 2, 3, 0, 1));
  key = wasm_i32x4_add(key, wasm_i32x4_shuffle(key, key, 1, 0, 3, 2));
  return wasm_i32x4_extract_lane(key, 0);
}

/* The levels of group L on the grid: the key's grid point, or its best neighbour at this scale. */
static inline int snap_group(const qs_lattice *lat, const group_lanes *g, float scale, int8_t *L, int key) {
  const int32_t m = lat->map[key];
  return m >= 0 ? m : best_neighbour8(lat, qs_lattice_neighbours(lat, m), g, scale, L);
}

static inline void block_sums(int n, const float *weight, const float *xval, const int8_t *L, float *sumqx, float *sumq2) {
  float qx = 0, q2 = 0;
  for (int i = 0; i < n; i++) {
    const float w = weight[i];
    const float q = 2 * L[i] + 1;
    qx += w * xval[i] * q;
    q2 += w * q * q;
  }
  *sumqx = qx;
  *sumq2 = q2;
}

static inline int grid_index(const qs_lattice *lat, const int8_t *L) {
  int key = 0;
  for (int i = 0; i < 8; i++) key |= L[i] << (2 * i);
  const int32_t m = lat->map[key];
  return m >= 0 ? m : 0; /* off-grid here is where ggml aborts ("Oops: found point not on grid") */
}

/* ggml's make_qp_quants (n values ≥ 0 but one, nmax levels): IQ2_XXS starts its search from this
 * scale. Levels are kept in bytes as there, so a negative level wraps as it does in ggml. */
static float make_qp_quants(int n, int nmax, const float *x, const float *quant_weights) {
  uint8_t L[32];
  float max = 0;
  for (int i = 0; i < n; i++) max = qs_fmax_ggml(max, x[i]);
  if (max < QS_GROUP_EPS) return 0.f;
  float iscale = nmax / max;
  for (int i = 0; i < n; i++) L[i] = (uint8_t)qs_nearest_int(iscale * x[i]);
  const float scale = 1 / iscale;
  float best_mse = 0;
  for (int i = 0; i < n; i++) {
    const float diff = x[i] - scale * L[i];
    best_mse += quant_weights[i] * diff * diff;
  }
  for (int is = -4; is <= 4; is++) {
    if (is == 0) continue;
    const float iscale_is = (0.1f * is + nmax) / max;
    const float scale_is = 1 / iscale_is;
    float mse = 0;
    for (int i = 0; i < n; i++) {
      const int l = qs_min_int(nmax, qs_nearest_int(iscale_is * x[i]));
      const float diff = x[i] - scale_is * l;
      mse += quant_weights[i] * diff * diff;
    }
    if (mse < best_mse) {
      best_mse = mse;
      iscale = iscale_is;
    }
  }
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; i++) {
    const int l = qs_min_int(nmax, qs_nearest_int(iscale * x[i]));
    L[i] = (uint8_t)l;
    const float w = quant_weights[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int itry = 0; itry < 5; itry++) {
    int n_changed = 0;
    for (int i = 0; i < n; i++) {
      const float w = quant_weights[i];
      float slx = sumlx - w * x[i] * L[i];
      float sl2 = suml2 - w * L[i] * L[i];
      if (slx > 0 && sl2 > 0) {
        const int new_l = qs_min_int(nmax, qs_nearest_int(x[i] * sl2 / slx));
        if (new_l != L[i]) {
          slx += w * x[i] * new_l;
          sl2 += w * new_l * new_l;
          if (slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = (uint8_t)new_l;
            sumlx = slx;
            suml2 = sl2;
            n_changed++;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* ---- IQ2_XXS ---- */

/* The scale of one 32-value block of magnitudes (max ≥ eps) in *scale_out, its levels in L; returns 0
 * when make_qp_quants finds no positive scale (ggml then leaves the block empty). */
static int search_block_xxs(const qs_lattice *lat, const float *xval, const float *weight, const float *waux, int8_t *L,
                            float *scale_out) {
  int8_t Laux[32];
  float scale = make_qp_quants(32, KMAXQ + 1, xval, weight);
  const float eff_max = scale * KMAXQ;
  if (eff_max <= 0) return 0;
  group_lanes g[4];
  splat_groups(4, xval, waux, g);
  float best = 0;
  for (int is = -6; is <= 6; is++) {
    const float id = (2 * KMAXQ - 1 + is * 0.1f) / eff_max;
    const float this_scale = 1 / id;
    for (int k = 0; k < 4; k++) snap_group(lat, &g[k], this_scale, Laux + 8 * k, group_key(xval + 8 * k, id, Laux + 8 * k));
    float sumqx, sumq2;
    block_sums(32, weight, xval, Laux, &sumqx, &sumq2);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      memcpy(L, Laux, 32);
    }
  }
  if (scale > 0) {
    const float id = 1 / scale;
    for (int k = 0; k < 4; k++) {
      int8_t levels[8];
      const int index = snap_group(lat, &g[k], scale, L + 8 * k, group_key(xval + 8 * k, id, levels));
      const int8_t *pg = lat->points + 8 * index;
      for (int i = 0; i < 8; i++) L[8 * k + i] = (int8_t)((pg[i] - 1) / 2);
    }
    float sumqx, sumq2;
    block_sums(32, weight, xval, L, &sumqx, &sumq2);
    if (sumq2 > 0) scale = sumqx / sumq2;
  }
  *scale_out = scale;
  return 1;
}

static void quantize_row_iq2_xxs(const qs_lattice *lat, const float *x, qs_block_iq2_xxs *y, int64_t nblocks, const float *quant_weights) {
  float weight[32], waux[32], xval[32], scales[8];
  int8_t L[32];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    const float *xbl = x + QS_QK_K * ibl;
    uint32_t q2[16] = {0};
    float max_scale = 0;
    const float sigma2 = qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 8; ib++) {
      const float *xb = xbl + 32 * ib;
      qs_iq_weights(xb, quant_weights + QS_QK_K * ibl + 32 * ib, sigma2, 32, weight);
      for (int i = 0; i < 32; i++) waux[i] = sqrtf(weight[i]);
      uint8_t block_signs[4];
      for (int k = 0; k < 4; k++) block_signs[k] = qs_fold_signs8_even(xb + 8 * k, weight + 8 * k, xval + 8 * k);
      const float max = qs_scan_max(xval, 32);
      if (max < QS_GROUP_EPS) {
        scales[ib] = 0;
        continue;
      }
      float scale;
      if (!search_block_xxs(lat, xval, weight, waux, L, &scale)) {
        scales[ib] = 0;
        continue;
      }
      if (scale < 0) {
        scale = -scale;
        for (int k = 0; k < 4; k++) block_signs[k] = (~block_signs[k]) & 127;
      }
      for (int k = 0; k < 4; k++) {
        q2[2 * ib] |= (uint32_t)grid_index(lat, L + 8 * k) << (8 * k);
        q2[2 * ib + 1] |= (uint32_t)block_signs[k] << (7 * k);
      }
      scales[ib] = scale;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    qs_block_iq2_xxs *out = &y[ibl];
    if (!max_scale) {
      out->d = 0;
      memset(out->qs, 0, sizeof out->qs);
      continue;
    }
    const float d = max_scale / 31;
    out->d = qs_f32_to_half(d);
    const float id = 1 / d;
    for (int ib = 0; ib < 8; ib++) q2[2 * ib + 1] |= (uint32_t)qs_iq_scale_code(id, scales[ib], 15) << 28;
    memcpy(out->qs, q2, sizeof q2);
  }
}

/* ---- IQ2_XS and IQ2_S: 16-value blocks, two groups of 8 ---- */

/* The scale of one 16-value block of magnitudes (max > 0), its levels in L. */
static float search_block16(const qs_lattice *lat, const float *xval, const float *weight, const float *waux, float max, int8_t *L) {
  int8_t Laux[16];
  int on_grid[2] = {1, 1}, on_grid_aux[2];
  group_lanes g[2];
  splat_groups(2, xval, waux, g);
  float best = 0;
  float scale = max / (2 * KMAXQ - 1);
  for (int is = -9; is <= 9; is++) {
    const float id = (2 * KMAXQ - 1 + is * 0.1f) / max;
    const float this_scale = 1 / id;
    for (int k = 0; k < 2; k++) {
      const int key = group_key(xval + 8 * k, id, Laux + 8 * k);
      on_grid_aux[k] = lat->map[key] >= 0;
      snap_group(lat, &g[k], this_scale, Laux + 8 * k, key);
    }
    float sumqx, sumq2;
    block_sums(16, weight, xval, Laux, &sumqx, &sumq2);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      memcpy(L, Laux, 16);
      on_grid[0] = on_grid_aux[0];
      on_grid[1] = on_grid_aux[1];
    }
  }
  if ((!on_grid[0] || !on_grid[1]) && scale > 0) {
    const float id = 1 / scale;
    for (int k = 0; k < 2; k++) {
      if (on_grid[k]) continue;
      snap_group(lat, &g[k], scale, L + 8 * k, group_key(xval + 8 * k, id, L + 8 * k));
    }
    float sumqx, sumq2;
    block_sums(16, weight, xval, L, &sumqx, &sumq2);
    if (sumq2 > 0) scale = sumqx / sumq2;
  }
  return scale;
}

static void quantize_row_iq2_xs(const qs_lattice *lat, const float *x, qs_block_iq2_xs *y, int64_t nblocks, const float *quant_weights) {
  float weight[16], waux[16], xval[16], scales[16];
  int8_t L[16];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    const float *xbl = x + QS_QK_K * ibl;
    qs_block_iq2_xs *out = &y[ibl];
    uint16_t q2[32] = {0};
    memset(out->scales, 0, sizeof out->scales);
    float max_scale = 0;
    const float sigma2 = qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 16; ib++) {
      const float *xb = xbl + 16 * ib;
      qs_iq_weights(xb, quant_weights + QS_QK_K * ibl + 16 * ib, sigma2, 16, weight);
      for (int i = 0; i < 16; i++) waux[i] = sqrtf(weight[i]);
      uint8_t block_signs[2];
      for (int k = 0; k < 2; k++) block_signs[k] = qs_fold_signs8_even(xb + 8 * k, weight + 8 * k, xval + 8 * k);
      const float max = qs_scan_max(xval, 16);
      memset(L, 0, 16);
      if (max < QS_GROUP_EPS) {
        scales[ib] = 0;
        continue;
      }
      float scale = search_block16(lat, xval, weight, waux, max, L);
      if (scale < 0) {
        scale = -scale;
        for (int k = 0; k < 2; k++) block_signs[k] = (~block_signs[k]) & 127;
      }
      for (int k = 0; k < 2; k++) q2[2 * ib + k] = (uint16_t)(grid_index(lat, L + 8 * k) | (block_signs[k] << 9));
      scales[ib] = scale;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    if (!max_scale) {
      out->d = 0;
      memset(out->qs, 0, sizeof out->qs);
      continue;
    }
    const float d = max_scale / 31;
    out->d = qs_f32_to_half(d);
    const float id = 1 / d;
    for (int ib = 0; ib < 16; ib++) {
      const int l = qs_iq_scale_code(id, scales[ib], 15);
      if (ib % 2 == 0) out->scales[ib / 2] = (uint8_t)l;
      else out->scales[ib / 2] |= (uint8_t)(l << 4);
    }
    memcpy(out->qs, q2, sizeof q2);
  }
}

static void quantize_row_iq2_s(const qs_lattice *lat, const float *x, qs_block_iq2_s *y, int64_t nblocks, const float *quant_weights) {
  float weight[16], waux[16], xval[16], scales[16];
  int8_t L[16];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    qs_block_iq2_s *out = &y[ibl];
    memset(out, 0, sizeof *out);
    const float *xbl = x + QS_QK_K * ibl;
    float max_scale = 0;
    const float sigma2 = 2 * qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 16; ib++) {
      const float *xb = xbl + 16 * ib;
      if (quant_weights) qs_iq_weights(xb, quant_weights + QS_QK_K * ibl + 16 * ib, sigma2, 16, weight);
      else
        for (int i = 0; i < 16; i++) weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
      for (int i = 0; i < 16; i++) waux[i] = sqrtf(weight[i]);
      uint8_t block_signs[2];
      for (int k = 0; k < 2; k++) block_signs[k] = qs_fold_signs8(xb + 8 * k, xval + 8 * k);
      const float max = qs_scan_max(xval, 16);
      memset(L, 0, 16);
      if (max < EPS_IQ2_S) {
        scales[ib] = 0;
        continue;
      }
      float scale = search_block16(lat, xval, weight, waux, max, L);
      if (scale < 0) {
        scale = -scale;
        for (int k = 0; k < 2; k++) block_signs[k] = (uint8_t)~block_signs[k];
      }
      for (int k = 0; k < 2; k++) {
        const int index = grid_index(lat, L + 8 * k), i8 = 2 * ib + k;
        out->qs[i8] = (uint8_t)(index & 255);
        out->qh[i8 / 4] |= (uint8_t)((index >> 8) << (2 * (i8 % 4)));
        out->qs[QS_QK_K / 8 + i8] = block_signs[k];
      }
      scales[ib] = scale;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    if (!max_scale) continue;
    const float d = max_scale / 31;
    out->d = qs_f32_to_half(d * 0.9875f);
    const float id = 1 / d;
    for (int ib = 0; ib < 16; ib++) {
      const int l = qs_iq_scale_code(id, scales[ib], 15);
      if (ib % 2 == 0) out->scales[ib / 2] = (uint8_t)l;
      else out->scales[ib / 2] |= (uint8_t)(l << 4);
    }
  }
}

void qs_quantize_iq2_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const int64_t nblocks = n_per_row / QS_QK_K;
  const qs_lattice *lat = quant_weights ? qs_lattice_get(QS_LATTICE_IQ2XXS) : NULL;
  if (!lat) {
    memset(dst, 0, (size_t)(nrows * nblocks) * sizeof(qs_block_iq2_xxs));
    return;
  }
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq2_xxs(lat, src + row * n_per_row, (qs_block_iq2_xxs *)dst + row * nblocks, nblocks, quant_weights);
}

void qs_quantize_iq2_xs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const int64_t nblocks = n_per_row / QS_QK_K;
  const qs_lattice *lat = quant_weights ? qs_lattice_get(QS_LATTICE_IQ2XS) : NULL;
  if (!lat) {
    memset(dst, 0, (size_t)(nrows * nblocks) * sizeof(qs_block_iq2_xs));
    return;
  }
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq2_xs(lat, src + row * n_per_row, (qs_block_iq2_xs *)dst + row * nblocks, nblocks, quant_weights);
}

void qs_quantize_iq2_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const int64_t nblocks = n_per_row / QS_QK_K;
  const qs_lattice *lat = qs_lattice_get(QS_LATTICE_IQ2S);
  if (!lat) return;
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq2_s(lat, src + row * n_per_row, (qs_block_iq2_s *)dst + row * nblocks, nblocks, quant_weights);
}

/* y = ±(db · grid value) for a group of 8, sign bit j from `signs`. */
static inline void put8(float *y, float db, uint64_t grid, uint8_t signs) {
  for (int j = 0; j < 8; j++) {
    const float v = db * (float)((grid >> (8 * j)) & 0xFF);
    y[j] = (signs >> j) & 1 ? -v : v;
  }
}

void qs_dequantize_iq2_xxs(const void *src, float *y, int64_t n) {
  const qs_block_iq2_xxs *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    const float d = qs_half_to_f32(x[i].d);
    for (int ib = 0; ib < 8; ib++) {
      uint32_t aux[2];
      memcpy(aux, x[i].qs + 4 * ib, 8);
      const float db = d * (0.5f + (aux[1] >> 28)) * 0.25f;
      for (int l = 0; l < 4; l++) {
        put8(y, db, qs_iq2xxs_grid[(aux[0] >> (8 * l)) & 0xFF], qs_ksigns_iq2xs[(aux[1] >> (7 * l)) & 127]);
        y += 8;
      }
    }
  }
}

void qs_dequantize_iq2_xs(const void *src, float *y, int64_t n) {
  const qs_block_iq2_xs *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    const float d = qs_half_to_f32(x[i].d);
    for (int ib = 0; ib < 8; ib++) {
      const float db[2] = {d * (0.5f + (x[i].scales[ib] & 0xf)) * 0.25f, d * (0.5f + (x[i].scales[ib] >> 4)) * 0.25f};
      for (int l = 0; l < 4; l++) {
        const uint16_t q = x[i].qs[4 * ib + l];
        put8(y, db[l / 2], qs_iq2xs_grid[q & 511], qs_ksigns_iq2xs[q >> 9]);
        y += 8;
      }
    }
  }
}

void qs_dequantize_iq2_s(const void *src, float *y, int64_t n) {
  const qs_block_iq2_s *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    const float d = qs_half_to_f32(x[i].d);
    const uint8_t *qs = x[i].qs, *signs = x[i].qs + QS_QK_K / 8;
    for (int ib = 0; ib < 8; ib++) {
      const float db[2] = {d * (0.5f + (x[i].scales[ib] & 0xf)) * 0.25f, d * (0.5f + (x[i].scales[ib] >> 4)) * 0.25f};
      for (int l = 0; l < 4; l++) {
        put8(y, db[l / 2], qs_iq2s_grid[qs[l] | ((x[i].qh[ib] << (8 - 2 * l)) & 0x300)], signs[l]);
        y += 8;
      }
      qs += 4;
      signs += 4;
    }
  }
}
