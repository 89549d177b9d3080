// 3-bit codebook quants on the D4 lattice: IQ3_XXS (256-entry grid, 7 sign bits per 8 values, one
// 4-bit scale per 32) and IQ3_S (512-entry grid, 8 sign bits, 4-bit scales in pairs). Each 32-value
// block is quantized as eight groups of 4 grid points; this follows ggml's quantize_row_iq3_xxs_impl
// and quantize_row_iq3_s_impl step by step (the float order is load-bearing, see quantsmith.h).
#include "quants_iq.h"
#include "simd.h"
#include "grids/iq3s_grid.h"
#include "grids/iq3xxs_grid.h"
#include "grids/ksigns_iq2xs.h"

#define KMAXQ 8
#define EPS_IQ3_XXS 1e-8f

/* ggml's iq3_find_best_neighbour: the listed grid point nearest xval at this scale (weighted), its
 * levels written to L. Four neighbours at a time, one per lane (each lane sums its 4 terms in the
 * reference order); the winner is the first in list order of least distance, as the scalar scan's
 * strict `<` keeps it (NaN distances never win). */
typedef struct {
  v128_t x[4], w[4]; /* a group's magnitudes and neighbour weights, each splatted across the lanes */
} group_lanes;

static void splat_groups(const float *xval, const float *waux, group_lanes *g) {
  for (int k = 0; k < 8; k++)
    for (int i = 0; i < 4; i++) {
      g[k].x[i] = wasm_f32x4_splat(xval[4 * k + i]);
      g[k].w[i] = wasm_f32x4_splat(waux[4 * k + i]);
    }
}

static int best_neighbour4(const qs_lattice *lat, int key, const group_lanes *g, float scale, int8_t *L) {
  const uint16_t *list = qs_lattice_neighbours(lat, lat->map[key]);
  const int count = list[0];
  const v128_t *coords = (const v128_t *)(lat->packed + lat->packed_at[key]);
  const v128_t vscale = wasm_f32x4_splat(scale);
  const v128_t *x = g->x, *w = g->w;
  v128_t best = wasm_f32x4_splat(3.40282347e+38f), best_at = wasm_i32x4_splat(-1);
  for (int j = 0; j < count; j += 4, coords += 4) {
    v128_t d2 = wasm_f32x4_splat(0.f);
    for (int i = 0; i < 4; i++) {
      const v128_t diff = wasm_f32x4_sub(wasm_f32x4_mul(vscale, coords[i]), x[i]);
      d2 = wasm_f32x4_add(d2, wasm_f32x4_mul(wasm_f32x4_mul(w[i], diff), diff));
    }
    const v128_t better = wasm_f32x4_lt(d2, best); /* padding lanes are NaN: never better */
    best = qs_select(better, d2, best);
    best_at = qs_select(better, wasm_i32x4_add(wasm_i32x4_splat(j), wasm_i32x4_const(0, 1, 2, 3)), best_at);
  }
  const int pos = qs_first_least(best, best_at);
  const int index = list[1 + (pos >= 0 ? pos : 0)]; /* none (-1): only for NaN distances, where ggml aborts */
  const int8_t *pg = lat->points + 4 * index;
  for (int i = 0; i < 4; i++) L[i] = (int8_t)((pg[i] - 1) / 2);
  return index;
}

/* Levels of a group of 4 at inverse scale id (all lanes), ggml's nearest_int(0.5·(id·x − 1)) clamped
 * to 0..7, written to L; returns the group's key (3 bits per level). */
static inline int group_key(const float *xval, v128_t id, int8_t *L) {
  const v128_t v = wasm_f32x4_mul(wasm_f32x4_splat(0.5f), wasm_f32x4_sub(wasm_f32x4_mul(id, wasm_v128_load(xval)), wasm_f32x4_splat(1.f)));
  const v128_t l = qs_clamp_i32x4(qs_nearest_int_f32x4(v), 0, KMAXQ - 1);
  const v128_t bytes = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(l, l), wasm_i16x8_narrow_i32x4(l, l));
  wasm_v128_store32_lane(L, bytes, 0);
  v128_t key = wasm_i32x4_mul(l, wasm_i32x4_const(1, 8, 64, 512));
  key = wasm_i32x4_add(key, wasm_i32x4_shuffle(key, key, 2, 3, 0, 1));
  key = wasm_i32x4_add(key, wasm_i32x4_shuffle(key, key, 1, 0, 3, 2));
  return wasm_i32x4_extract_lane(key, 0);
}

/* Σ w·x·q and Σ w·q² for q = 2L + 1, in order. */
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

typedef struct {
  int trials;      /* scales tried: (15 + is·0.2)/max for is in -trials..trials */
  int on_grid_init; /* whether groups count as on the grid before any trial is taken */
  int refine_all;  /* refit every group (IQ3_S) or only the off-grid ones (IQ3_XXS) */
} search_rules;

/* The scale of one 32-value block of magnitudes xval (max > 0), its levels in L (all on the grid). */
static float search_block(const qs_lattice *lat, const search_rules *rules, const float *xval, const float *weight,
                          const float *waux, float max, int8_t *L) {
  int8_t Laux[32];
  int on_grid[8], on_grid_aux[8];
  float best = 0;
  float scale = max / (2 * KMAXQ - 1);
  group_lanes g[8];
  splat_groups(xval, waux, g);
  for (int k = 0; k < 8; k++) on_grid[k] = rules->on_grid_init;
  for (int is = -rules->trials; is <= rules->trials; is++) {
    const float id = (2 * KMAXQ - 1 + is * 0.2f) / max;
    const float this_scale = 1 / id;
    const v128_t vid = wasm_f32x4_splat(id);
    for (int k = 0; k < 8; k++) {
      const int key = group_key(xval + 4 * k, vid, Laux + 4 * k);
      on_grid_aux[k] = lat->map[key] >= 0;
      if (!on_grid_aux[k]) best_neighbour4(lat, key, &g[k], this_scale, Laux + 4 * k);
    }
    float sumqx, sumq2;
    block_sums(32, weight, xval, Laux, &sumqx, &sumq2);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      memcpy(L, Laux, 32);
      for (int k = 0; k < 8; k++) on_grid[k] = on_grid_aux[k];
    }
  }
  int n_not_on_grid = 0;
  for (int k = 0; k < 8; k++) n_not_on_grid += !on_grid[k];
  if (n_not_on_grid > 0 && scale > 0) {
    const float id = 1 / scale;
    for (int k = 0; k < 8; k++) {
      if (!rules->refine_all && on_grid[k]) continue;
      int8_t levels[4];
      const int key = group_key(xval + 4 * k, wasm_f32x4_splat(id), levels);
      const int index = lat->map[key] >= 0 ? lat->map[key] : best_neighbour4(lat, key, &g[k], scale, L + 4 * k);
      const int8_t *pg = lat->points + 4 * index;
      for (int i = 0; i < 4; i++) L[4 * k + i] = (int8_t)((pg[i] - 1) / 2);
    }
    float sumqx, sumq2;
    block_sums(32, weight, xval, L, &sumqx, &sumq2);
    if (sumq2 > 0) scale = sumqx / sumq2;
  }
  return scale;
}

/* Grid index of each group of 4 levels. */
static inline int grid_index(const qs_lattice *lat, const int8_t *L) {
  const int32_t m = lat->map[L[0] | (L[1] << 3) | (L[2] << 6) | (L[3] << 9)];
  return m >= 0 ? m : 0; /* off-grid here is where ggml aborts ("Oops: found point not on grid") */
}

static void block_weights(const float *xb, const float *qw, float sigma2, float *weight, float *waux) {
  if (qw) qs_iq_weights(xb, qw, sigma2, 32, weight);
  else
    for (int i = 0; i < 32; i++) weight[i] = xb[i] * xb[i];
  for (int i = 0; i < 32; i++) waux[i] = sqrtf(weight[i]);
}

static const search_rules IQ3_XXS_RULES = {15, 1, 0};
static const search_rules IQ3_S_RULES = {9, 0, 1};

static void quantize_row_iq3_xxs(const qs_lattice *lat, const float *x, qs_block_iq3_xxs *y, int64_t nblocks, const float *quant_weights) {
  float weight[32], waux[32], xval[32], scales[8];
  int8_t L[32];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    const float *xbl = x + QS_QK_K * ibl;
    uint8_t q3[96] = {0};
    uint32_t scales_and_signs[8] = {0};
    float max_scale = 0;
    const float sigma2 = 2 * qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 8; ib++) {
      const float *xb = xbl + 32 * ib;
      block_weights(xb, quant_weights ? quant_weights + QS_QK_K * ibl + 32 * ib : NULL, sigma2, weight, waux);
      uint8_t block_signs[4];
      for (int k = 0; k < 4; k++) block_signs[k] = qs_fold_signs8_even(xb + 8 * k, weight + 8 * k, xval + 8 * k);
      const float max = qs_scan_max(xval, 32);
      if (max < EPS_IQ3_XXS) {
        scales[ib] = 0;
        continue;
      }
      memset(L, 0, 32);
      float scale = search_block(lat, &IQ3_XXS_RULES, xval, weight, waux, max, L);
      if (scale < 0) {
        scale = -scale;
        for (int k = 0; k < 4; k++) block_signs[k] = (~block_signs[k]) & 127;
      }
      for (int k = 0; k < 8; k++) q3[8 * ib + k] = (uint8_t)grid_index(lat, L + 4 * k);
      scales_and_signs[ib] = block_signs[0] | (block_signs[1] << 7) | (block_signs[2] << 14) | ((uint32_t)block_signs[3] << 21);
      scales[ib] = scale;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    qs_block_iq3_xxs *out = &y[ibl];
    if (!max_scale) {
      out->d = 0;
      memset(out->qs, 0, sizeof out->qs);
      continue;
    }
    const float d = max_scale / 31;
    out->d = qs_f32_to_half(d * 1.0125f);
    const float id = 1 / d;
    for (int ib = 0; ib < 8; ib++) scales_and_signs[ib] |= (uint32_t)qs_iq_scale_code(id, scales[ib], 15) << 28;
    memcpy(out->qs, q3, 64);
    memcpy(out->qs + 64, scales_and_signs, 32);
  }
}

static void quantize_row_iq3_s(const qs_lattice *lat, const float *x, qs_block_iq3_s *y, int64_t nblocks, const float *quant_weights) {
  float weight[32], waux[32], xval[32], scales[8];
  int8_t L[32];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    qs_block_iq3_s *out = &y[ibl];
    memset(out, 0, sizeof *out);
    /* ggml advances these only past non-zero blocks (a zero block's `continue` skips the step), so
     * later blocks' indices and signs shift down; reproduced as is */
    uint8_t *qs = out->qs, *signs = out->signs;
    const float *xbl = x + QS_QK_K * ibl;
    float max_scale = 0;
    const float sigma2 = 2 * qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 8; ib++) {
      const float *xb = xbl + 32 * ib;
      block_weights(xb, quant_weights ? quant_weights + QS_QK_K * ibl + 32 * ib : NULL, sigma2, weight, waux);
      uint8_t block_signs[4];
      for (int k = 0; k < 4; k++) block_signs[k] = qs_fold_signs8(xb + 8 * k, xval + 8 * k);
      const float max = qs_scan_max(xval, 32);
      if (!max) {
        scales[ib] = 0;
        continue;
      }
      memset(L, 0, 32);
      float scale = search_block(lat, &IQ3_S_RULES, xval, weight, waux, max, L);
      if (scale < 0) {
        scale = -scale;
        for (int k = 0; k < 4; k++) block_signs[k] = (uint8_t)~block_signs[k];
      }
      for (int k = 0; k < 8; k++) {
        const int index = grid_index(lat, L + 4 * k);
        qs[k] = (uint8_t)(index & 255);
        out->qh[(ib * 8 + k) / 8] |= (uint8_t)((index >> 8) << ((ib * 8 + k) % 8));
      }
      qs += 8;
      memcpy(signs, block_signs, 4);
      signs += 4;
      scales[ib] = scale;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    if (!max_scale) continue;
    const float d = max_scale / 31;
    out->d = qs_f32_to_half(d * 1.033f);
    const float id = 1 / d;
    for (int ib = 0; ib < 8; ib += 2)
      out->scales[ib / 2] = (uint8_t)(qs_iq_scale_code(id, scales[ib], 15) | (qs_iq_scale_code(id, scales[ib + 1], 15) << 4));
  }
}

void qs_quantize_iq3_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const qs_lattice *lat = qs_lattice_get(QS_LATTICE_IQ3XXS);
  if (!lat) return;
  const int64_t nblocks = n_per_row / QS_QK_K;
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq3_xxs(lat, src + row * n_per_row, (qs_block_iq3_xxs *)dst + row * nblocks, nblocks, quant_weights);
}

void qs_quantize_iq3_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const qs_lattice *lat = qs_lattice_get(QS_LATTICE_IQ3S);
  if (!lat) return;
  const int64_t nblocks = n_per_row / QS_QK_K;
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq3_s(lat, src + row * n_per_row, (qs_block_iq3_s *)dst + row * nblocks, nblocks, quant_weights);
}

/* y = ±(db · grid value), the sign from the stored bits. */
static inline void put4(float *y, float db, uint32_t grid, uint8_t signs, int first_bit) {
  for (int j = 0; j < 4; j++) {
    const float v = db * (float)((grid >> (8 * j)) & 0xFF);
    y[j] = (signs >> (first_bit + j)) & 1 ? -v : v;
  }
}

void qs_dequantize_iq3_xxs(const void *src, float *y, int64_t n) {
  const qs_block_iq3_xxs *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    const float d = qs_half_to_f32(x[i].d);
    const uint8_t *qs = x[i].qs;
    for (int ib = 0; ib < 8; ib++) {
      uint32_t aux;
      memcpy(&aux, x[i].qs + 64 + 4 * ib, 4);
      const float db = d * (0.5f + (aux >> 28)) * 0.5f;
      for (int l = 0; l < 4; l++) {
        const uint8_t signs = qs_ksigns_iq2xs[(aux >> (7 * l)) & 127];
        put4(y, db, qs_iq3xxs_grid[qs[2 * l]], signs, 0);
        put4(y + 4, db, qs_iq3xxs_grid[qs[2 * l + 1]], signs, 4);
        y += 8;
      }
      qs += 8;
    }
  }
}

void qs_dequantize_iq3_s(const void *src, float *y, int64_t n) {
  const qs_block_iq3_s *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    const float d = qs_half_to_f32(x[i].d);
    for (int ib = 0; ib < 8; ib++) {
      const float db = d * (1 + 2 * ((x[i].scales[ib / 2] >> (4 * (ib % 2))) & 0xf));
      const uint8_t *qs = x[i].qs + 8 * ib, *signs = x[i].signs + 4 * ib;
      const uint8_t qh = x[i].qh[ib];
      for (int l = 0; l < 4; l++) {
        put4(y, db, qs_iq3s_grid[qs[2 * l] | ((qh << (8 - 2 * l)) & 256)], signs[l], 0);
        put4(y + 4, db, qs_iq3s_grid[qs[2 * l + 1] | ((qh << (7 - 2 * l)) & 256)], signs[l], 4);
        y += 8;
      }
    }
  }
}
