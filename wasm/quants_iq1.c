// 1-bit codebook quants: values in {-1, 0, 1} + a shared shift of ±IQ1S_DELTA, groups of 8 on a
// 2048-entry grid. IQ1_S: 32-value blocks, 3-bit scales and one shift sign per block; IQ1_M: 16-value
// blocks, a shift sign per group of 8 and the super-block scale spread over the scale bytes. Both
// follow ggml's quantize_row_iq1_s_impl / quantize_row_iq1_m_impl in their float order: the exact
// search over the two split points of the sorted values, then snapping groups to the grid.
#include "quants_iq.h"
#include "simd.h"
#include "grids/iq1s_grid.h"

#define DELTA 0.125f /* IQ1S_DELTA and IQ1M_DELTA */
#define EPS_IQ1_S 1e-12f
#define EPS_IQ1_M 1e-7f

static const float X_P[3] = {-1 + DELTA, DELTA, 1 + DELTA};
static const float X_M[3] = {-1 - DELTA, -DELTA, 1 - DELTA};

typedef struct {
  float value;
  int index;
} pair;

/* ggml sorts (value, index) pairs with qsort on the value alone; glibc's qsort is a top-down merge
 * sort for arrays this small, so equal values keep their index order and NaNs land where it puts
 * them. This is that merge sort. */
static void merge_sort(pair *b, int n, pair *tmp) {
  if (n <= 1) return;
  int n1 = n / 2, n2 = n - n1;
  pair *b1 = b, *b2 = b + n1, *t = tmp;
  merge_sort(b1, n1, tmp);
  merge_sort(b2, n2, tmp);
  while (n1 > 0 && n2 > 0) {
    if (!(b1->value > b2->value)) { /* comparator <= 0 */
      *t++ = *b1++;
      n1--;
    } else {
      *t++ = *b2++;
      n2--;
    }
  }
  if (n1 > 0) memcpy(t, b1, (size_t)n1 * sizeof(pair));
  memcpy(b, tmp, (size_t)(n - n2) * sizeof(pair));
}

static void sorted_pairs(const float *xb, int n, pair *pairs) {
  pair tmp[32];
  for (int j = 0; j < n; j++) pairs[j] = (pair){xb[j], j};
  merge_sort(pairs, n, tmp);
}

/* Bounds of the rows being quantized: ggml's full-grid fallback below reads past its group. */
typedef struct {
  const float *begin, *end;
} source_span;

/* ggml's iq1_find_best_neighbour2: the listed grid point whose values xg[level]·scale are nearest xval
 * (weighted); when every distance is NaN or infinite, ggml scans the whole grid, reading xval[i] with
 * i the grid index (beyond the group: reproduced within the source rows, 0 outside). */
static int best_neighbour(const qs_lattice *lat, const uint16_t *list, const float *xval, const float *weight, float scale,
                          const float *xg, int8_t *L, source_span span) {
  /* the listed points four at a time, one per lane, each lane summing in ggml's order; coordinates
   * 1, 3, 5 stand for levels 0, 1, 2, i.e. the values xg[0], xg[1], xg[2] */
  const int count = list[0];
  const v128_t vscale = wasm_f32x4_splat(scale), inf = wasm_f32x4_splat(__builtin_inff());
  const v128_t g0 = wasm_f32x4_splat(xg[0]), g1 = wasm_f32x4_splat(xg[1]), g2 = wasm_f32x4_splat(xg[2]);
  const v128_t one = wasm_f32x4_splat(1.f), three = wasm_f32x4_splat(3.f);
  v128_t x[8], w[8];
  for (int i = 0; i < 8; i++) {
    x[i] = wasm_f32x4_splat(xval[i]);
    w[i] = wasm_f32x4_splat(weight[i]);
  }
  v128_t bestv = wasm_f32x4_splat(3.40282347e+38f), best_at = wasm_i32x4_splat(-1);
  for (int j = 1; j <= count; j += 4) {
    const int last = count - j;
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
      const v128_t q = qs_select(wasm_f32x4_eq(c[i], one), g0, qs_select(wasm_f32x4_eq(c[i], three), g1, g2));
      const v128_t diff = wasm_f32x4_sub(wasm_f32x4_mul(vscale, q), x[i]);
      d2 = wasm_f32x4_add(d2, wasm_f32x4_mul(wasm_f32x4_mul(w[i], diff), diff));
    }
    const v128_t at = wasm_i32x4_add(wasm_i32x4_splat(j), wasm_i32x4_const(0, 1, 2, 3));
    d2 = qs_select(wasm_i32x4_gt(at, wasm_i32x4_splat(count)), inf, d2);
    const v128_t better = wasm_f32x4_lt(d2, bestv);
    bestv = qs_select(better, d2, bestv);
    best_at = qs_select(better, at, best_at);
  }
  const int pos = qs_first_least(bestv, best_at);
  int best = pos >= 1 ? list[pos] : -1;
  float best_score = 3.40282347e+38f; /* what the fallback starts from: nothing listed was nearer */
  if (best < 0) {
    for (int i = 0; i < lat->grid_size; i++) {
      const int8_t *pg = lat->points + 8 * i;
      const float xi = xval + i < span.end && xval + i >= span.begin ? xval[i] : 0.f;
      float d2 = 0;
      for (int j = 0; j < 8; j++) {
        const float q = xg[(pg[j] - 1) / 2];
        const float diff = scale * q - xi;
        d2 += weight[j] * diff * diff;
      }
      if (d2 < best_score) {
        best_score = d2;
        best = i;
      }
    }
  }
  if (best < 0) best = 0; /* ggml aborts here */
  const int8_t *pg = lat->points + 8 * best;
  for (int i = 0; i < 8; i++) L[i] = (int8_t)((pg[i] - 1) / 2);
  return best;
}

static inline int group_key(const int8_t *L) {
  int key = 0;
  for (int j = 0; j < 8; j++) key |= L[j] << (2 * j);
  return key;
}

/* Grid index of group L (snapped to the nearest listed point when off the grid); *on_grid cleared then. */
static inline int snap(const qs_lattice *lat, const float *xb, const float *weight, float scale, const float *xx, int8_t *L,
                       source_span span, int *on_grid) {
  const int32_t m = lat->map[group_key(L)];
  if (m >= 0) return m;
  *on_grid = 0;
  return best_neighbour(lat, qs_lattice_neighbours(lat, m), xb, weight, scale, xx, L, span);
}

/* Levels by sorted position: below i1 → 0, below i2 → 1, the rest → 2. */
static void split_levels(const pair *pairs, int n, int i1, int i2, int8_t *L) {
  for (int j = 0; j < i1; j++) L[pairs[j].index] = 0;
  for (int j = i1; j < i2; j++) L[pairs[j].index] = 1;
  for (int j = i2; j < n; j++) L[pairs[j].index] = 2;
}

/* The running best of ggml's split search: a candidate (sumqx, sumq2) is taken when it beats it. */
typedef struct {
  float score, scale;
  int i1, i2, shift;
} split;

static inline void consider(split *best, float sumqx, float sumq2, int i1, int i2, int shift) {
  if (sumq2 > 0 && sumqx * sumqx > best->score * sumq2) {
    best->scale = sumqx / sumq2;
    best->score = best->scale * sumqx;
    best->i1 = i1;
    best->i2 = i2;
    best->shift = shift;
  }
}

/* ---- IQ1_S ---- */

static void quantize_row_iq1_s(const qs_lattice *lat, const float *x, qs_block_iq1_s *y, int64_t nblocks, const float *quant_weights,
                               source_span span) {
  float weight[32], scales[8], sumx[36], sumw[36];
  int8_t L[32], shifts[8];
  pair pairs[32];
  uint16_t index[4];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    qs_block_iq1_s *out = &y[ibl];
    out->d = 0;
    memset(out->qs, 0, sizeof out->qs);
    memset(out->qh, 0, sizeof out->qh);
    const float *xbl = x + QS_QK_K * ibl;
    float max_scale = 0;
    const float sigma2 = 2 * qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 8; ib++) {
      const float *xb = xbl + 32 * ib;
      qs_iq_weights(xb, quant_weights + QS_QK_K * ibl + 32 * ib, sigma2, 32, weight);
      float max = fabsf(xb[0]);
      for (int i = 1; i < 32; i++) max = qs_fmax_ggml(max, fabsf(xb[i]));
      if (max < EPS_IQ1_S) {
        scales[ib] = 0;
        shifts[ib] = 1;
        continue;
      }
      sorted_pairs(xb, 32, pairs);
      sumx[0] = sumw[0] = 0;
      for (int j = 0; j < 32; j++) {
        const int i = pairs[j].index;
        sumx[j + 1] = sumx[j] + weight[i] * xb[i];
        sumw[j + 1] = sumw[j] + weight[i];
      }
      split best = {-3.40282347e+38f, max, -1, -1, 0};
      for (int i = 33; i < 36; i++) sumx[i] = sumw[i] = 0; /* read by the last vector, masked off */
      for (int i1 = 0; i1 <= 32; i1++) {
        /* i2 = i1 … 32, four per vector: a vector none of whose candidates beats the current best
         * (tested with the same float operations) changes nothing; otherwise its lanes are taken in
         * ggml's order, exactly as its sequential scan would */
        const v128_t s0 = wasm_f32x4_splat(sumx[i1] - sumx[0]), w0 = wasm_f32x4_splat(sumw[i1] - sumw[0]);
        for (int i2 = i1; i2 <= 32; i2 += 4) {
          const v128_t x2 = wasm_v128_load(sumx + i2), w2v = wasm_v128_load(sumw + i2);
          const v128_t s1 = wasm_f32x4_sub(x2, wasm_f32x4_splat(sumx[i1])), s2 = wasm_f32x4_sub(wasm_f32x4_splat(sumx[32]), x2);
          const v128_t w1 = wasm_f32x4_sub(w2v, wasm_f32x4_splat(sumw[i1])), w2 = wasm_f32x4_sub(wasm_f32x4_splat(sumw[32]), w2v);
          v128_t qx[2], q2[2];
          for (int sh = 0; sh < 2; sh++) {
            const float *xs = sh == 0 ? X_P : X_M;
            const v128_t a = wasm_f32x4_splat(xs[0]), b = wasm_f32x4_splat(xs[1]), c = wasm_f32x4_splat(xs[2]);
            qx[sh] = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(s0, a), wasm_f32x4_mul(s1, b)), wasm_f32x4_mul(s2, c));
            q2[sh] = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(w0, a), a), wasm_f32x4_mul(wasm_f32x4_mul(w1, b), b)),
                                    wasm_f32x4_mul(wasm_f32x4_mul(w2, c), c));
          }
          const v128_t bs = wasm_f32x4_splat(best.score);
          const v128_t valid = wasm_i32x4_le(wasm_i32x4_add(wasm_i32x4_splat(i2), wasm_i32x4_const(0, 1, 2, 3)), wasm_i32x4_splat(32));
          v128_t any = wasm_i32x4_splat(0);
          for (int sh = 0; sh < 2; sh++)
            any = wasm_v128_or(any, wasm_v128_and(wasm_f32x4_gt(q2[sh], wasm_f32x4_splat(0.f)),
                                                  wasm_f32x4_gt(wasm_f32x4_mul(qx[sh], qx[sh]), wasm_f32x4_mul(bs, q2[sh]))));
          if (!wasm_v128_any_true(wasm_v128_and(any, valid))) continue;
          float qxs[2][4], q2s[2][4];
          for (int sh = 0; sh < 2; sh++) {
            wasm_v128_store(qxs[sh], qx[sh]);
            wasm_v128_store(q2s[sh], q2[sh]);
          }
          for (int l = 0; l < 4 && i2 + l <= 32; l++)
            for (int sh = 0; sh < 2; sh++) consider(&best, qxs[sh][l], q2s[sh][l], i1, i2 + l, sh == 0 ? 1 : -1);
        }
      }
      float scale = best.scale;
      const int besti1 = best.i1, besti2 = best.i2;
      int best_shift = best.shift;
      if (besti1 < 0 || besti2 < 0 || best_shift == 0) {
        scales[ib] = 0;
        shifts[ib] = 1;
        continue;
      }
      split_levels(pairs, 32, besti1, besti2, L);
      if (scale < 0) {
        for (int j = 0; j < 32; j++) L[j] = (int8_t)(2 - L[j]);
        scale = -scale;
        best_shift = -best_shift;
      }
      int all_on_grid = 1;
      const float *xx = best_shift == 1 ? X_P : X_M;
      for (int k = 0; k < 4; k++) index[k] = (uint16_t)snap(lat, xb + 8 * k, weight + 8 * k, scale, xx, L + 8 * k, span, &all_on_grid);
      if (!all_on_grid) {
        float sumqx = 0, sumq2 = 0;
        for (int k = 0; k < 4; k++) {
          const int8_t *pg = lat->points + 8 * index[k];
          for (int j = 0; j < 8; j++) {
            const float w = weight[8 * k + j];
            const float q = xx[(pg[j] - 1) / 2];
            sumqx += w * q * xb[8 * k + j];
            sumq2 += w * q * q;
          }
        }
        if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
      }
      uint16_t h = 0;
      for (int k = 0; k < 4; k++) {
        out->qs[4 * ib + k] = (uint8_t)(index[k] & 255);
        h |= (uint16_t)((index[k] >> 8) << (3 * k));
      }
      out->qh[ib] = h;
      scales[ib] = scale;
      shifts[ib] = (int8_t)best_shift;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    if (!max_scale) continue;
    const float d = max_scale / 15;
    out->d = qs_f32_to_half(d * 1.125f);
    const float id = 1 / d;
    for (int ib = 0; ib < 8; ib++) {
      int l = qs_iq_scale_code(id, scales[ib], 7);
      if (shifts[ib] == -1) l |= 8;
      out->qh[ib] |= (uint16_t)(l << 12);
    }
  }
}

/* ---- IQ1_M ---- */

static void iq1m_weights(const float *xb, const float *qw, float sigma2, float *weight) {
  if (qw) qs_iq_weights(xb, qw, sigma2, 16, weight);
  else
    for (int i = 0; i < 16; i++) weight[i] = xb[i] * xb[i];
}

/* Shift of group k (0 or 1) of a block whose shift pattern is `shift` (0: ++, 1: +-, 2: -+, 3: --). */
static inline const float *group_shift(int shift, int k) {
  return k == 0 ? (shift < 2 ? X_P : X_M) : (shift % 2 == 0 ? X_P : X_M);
}

static void quantize_row_iq1_m(const qs_lattice *lat, const float *x, qs_block_iq1_m *y, int64_t nblocks, const float *quant_weights,
                               source_span span) {
  static const uint8_t MASKS[4] = {0x00, 0x80, 0x08, 0x88};
  float weight[16], scales[16];
  int8_t L[16], shifts[16];
  pair pairs[16];
  uint16_t index[2];
  for (int64_t ibl = 0; ibl < nblocks; ibl++) {
    qs_block_iq1_m *out = &y[ibl];
    memset(out, 0, sizeof *out);
    const float *xbl = x + QS_QK_K * ibl;
    const float *qwbl = quant_weights ? quant_weights + QS_QK_K * ibl : NULL;
    float max_scale = 0;
    const float sigma2 = 2 * qs_sum_squares(xbl, QS_QK_K) / QS_QK_K;
    for (int ib = 0; ib < 16; ib++) {
      const float *xb = xbl + 16 * ib;
      iq1m_weights(xb, qwbl ? qwbl + 16 * ib : NULL, sigma2, weight);
      float max = fabsf(xb[0]);
      for (int i = 1; i < 16; i++) max = qs_fmax_ggml(max, fabsf(xb[i]));
      if (max < EPS_IQ1_M) {
        scales[ib] = 0;
        shifts[ib] = 0;
        continue;
      }
      sorted_pairs(xb, 16, pairs);
      float best_score = -3.40282347e+38f, scale = max;
      int besti1 = -1, besti2 = -1, best_k = -1;
      /* prefix sums per half of the block, since each half has its own shift */
      float px[2][20], pw[2][20];
      px[0][0] = px[1][0] = pw[0][0] = pw[1][0] = 0;
      for (int j = 0; j < 16; j++) {
        const int i = pairs[j].index, h = i < 8 ? 0 : 1;
        px[h][j + 1] = px[h][j] + weight[i] * xb[i];
        px[1 - h][j + 1] = px[1 - h][j];
        pw[h][j + 1] = pw[h][j] + weight[i];
        pw[1 - h][j + 1] = pw[1 - h][j];
      }
      const float txs[2] = {px[0][16], px[1][16]}, tws[2] = {pw[0][16], pw[1][16]};
      const float p2 = X_P[2], m2 = X_M[2];
      const float cp1 = X_P[0] * X_P[0] - X_P[1] * X_P[1], cp2 = X_P[1] * X_P[1] - X_P[2] * X_P[2];
      const float cm1 = X_M[0] * X_M[0] - X_M[1] * X_M[1], cm2 = X_M[1] * X_M[1] - X_M[2] * X_M[2];
      for (int h = 0; h < 2; h++)
        for (int i = 17; i < 20; i++) px[h][i] = pw[h][i] = 0; /* read by the last vector, masked off */
      split best = {best_score, scale, -1, -1, -1};
      for (int i1 = 0; i1 <= 16; i1++) {
        /* i2 = i1 … 16, four per vector, with the exact pre-filter of IQ1_S's search */
        for (int i2 = i1; i2 <= 16; i2 += 4) {
          v128_t qx_p[2], qx_m[2], q2_p[2], q2_m[2];
          for (int h = 0; h < 2; h++) {
            const v128_t sx = wasm_f32x4_add(wasm_f32x4_splat(px[h][i1]), wasm_v128_load(px[h] + i2));
            qx_p[h] = wasm_f32x4_sub(wasm_f32x4_splat(txs[h] * p2), sx);
            qx_m[h] = wasm_f32x4_sub(wasm_f32x4_splat(txs[h] * m2), sx);
            const v128_t pw2 = wasm_v128_load(pw[h] + i2);
            q2_p[h] = wasm_f32x4_add(wasm_f32x4_splat(tws[h] * p2 * p2 + pw[h][i1] * cp1), wasm_f32x4_mul(pw2, wasm_f32x4_splat(cp2)));
            q2_m[h] = wasm_f32x4_add(wasm_f32x4_splat(tws[h] * m2 * m2 + pw[h][i1] * cm1), wasm_f32x4_mul(pw2, wasm_f32x4_splat(cm2)));
          }
          const v128_t sqx[4] = {wasm_f32x4_add(qx_p[0], qx_p[1]), wasm_f32x4_add(qx_p[0], qx_m[1]), wasm_f32x4_add(qx_m[0], qx_p[1]),
                                 wasm_f32x4_add(qx_m[0], qx_m[1])};
          const v128_t sq2[4] = {wasm_f32x4_add(q2_p[0], q2_p[1]), wasm_f32x4_add(q2_p[0], q2_m[1]), wasm_f32x4_add(q2_m[0], q2_p[1]),
                                 wasm_f32x4_add(q2_m[0], q2_m[1])};
          const v128_t bs = wasm_f32x4_splat(best.score);
          v128_t any = wasm_i32x4_splat(0);
          for (int k = 0; k < 4; k++)
            any = wasm_v128_or(any, wasm_v128_and(wasm_f32x4_gt(sq2[k], wasm_f32x4_splat(0.f)),
                                                  wasm_f32x4_gt(wasm_f32x4_mul(sqx[k], sqx[k]), wasm_f32x4_mul(bs, sq2[k]))));
          const v128_t valid = wasm_i32x4_le(wasm_i32x4_add(wasm_i32x4_splat(i2), wasm_i32x4_const(0, 1, 2, 3)), wasm_i32x4_splat(16));
          if (!wasm_v128_any_true(wasm_v128_and(any, valid))) continue;
          float qxs[4][4], q2s[4][4];
          for (int k = 0; k < 4; k++) {
            wasm_v128_store(qxs[k], sqx[k]);
            wasm_v128_store(q2s[k], sq2[k]);
          }
          for (int l = 0; l < 4 && i2 + l <= 16; l++)
            for (int k = 0; k < 4; k++) consider(&best, qxs[k][l], q2s[k][l], i1, i2 + l, k);
        }
      }
      scale = best.scale;
      besti1 = best.i1;
      besti2 = best.i2;
      best_k = best.shift;
      if (besti1 < 0 || besti2 < 0 || best_k < 0) {
        scales[ib] = 0;
        shifts[ib] = 0;
        continue;
      }
      split_levels(pairs, 16, besti1, besti2, L);
      if (scale < 0) {
        for (int j = 0; j < 16; j++) L[j] = (int8_t)(2 - L[j]);
        scale = -scale;
        best_k = 3 - best_k;
      }
      int all_on_grid = 1;
      for (int k = 0; k < 2; k++)
        index[k] = (uint16_t)snap(lat, xb + 8 * k, weight + 8 * k, scale, group_shift(best_k, k), L + 8 * k, span, &all_on_grid);
      if (!all_on_grid) {
        float sumqx_f = 0, sumq2_f = 0;
        for (int k = 0; k < 2; k++) {
          const float *xx = group_shift(best_k, k);
          const int8_t *pg = lat->points + 8 * index[k];
          for (int j = 0; j < 8; j++) {
            const float w = weight[8 * k + j];
            const float q = xx[(pg[j] - 1) / 2];
            sumqx_f += w * q * xb[8 * k + j];
            sumq2_f += w * q * q;
          }
        }
        if (sumqx_f > 0 && sumq2_f > 0) scale = sumqx_f / sumq2_f;
      }
      out->qs[2 * ib] = (uint8_t)(index[0] & 255);
      out->qs[2 * ib + 1] = (uint8_t)(index[1] & 255);
      out->qh[ib] = (uint8_t)((index[0] >> 8) | ((index[1] >> 8) << 4));
      scales[ib] = scale;
      shifts[ib] = (int8_t)best_k;
      max_scale = qs_fmax_ggml(max_scale, scale);
    }
    if (!max_scale) continue;
    /* the block scales as codes, then the super-block scale refitted to the coded values */
    uint16_t sc[4] = {0, 0, 0, 0};
    float d = max_scale / 15;
    const float id = 1 / d;
    float sumqx_f = 0, sumq2_f = 0;
    for (int ib = 0; ib < 16; ib++) {
      const int l = qs_iq_scale_code(id, scales[ib], 7);
      sc[ib / 4] |= (uint16_t)(l << (3 * (ib % 4)));
      out->qh[ib] |= MASKS[shifts[ib]];
      const float *xb = xbl + 16 * ib;
      iq1m_weights(xb, qwbl ? qwbl + 16 * ib : NULL, sigma2, weight);
      for (int k = 0; k < 2; k++) {
        const float *xx = group_shift(shifts[ib], k);
        const int8_t *pg = lat->points + 8 * (out->qs[2 * ib + k] + ((out->qh[ib] << (8 - 4 * k)) & 0x700));
        for (int j = 0; j < 8; j++) {
          const float w = weight[8 * k + j];
          const float q = xx[(pg[j] - 1) / 2] * (2 * l + 1);
          sumqx_f += w * q * xb[8 * k + j];
          sumq2_f += w * q * q;
        }
      }
    }
    if (sumq2_f > 0) d = sumqx_f / sumq2_f;
    const qs_half s = qs_f32_to_half(d * 1.1125f);
    sc[0] |= (uint16_t)((s & 0x000f) << 12);
    sc[1] |= (uint16_t)((s & 0x00f0) << 8);
    sc[2] |= (uint16_t)((s & 0x0f00) << 4);
    sc[3] |= (uint16_t)(s & 0xf000);
    memcpy(out->scales, sc, sizeof sc);
  }
}

void qs_quantize_iq1_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const int64_t nblocks = n_per_row / QS_QK_K;
  const qs_lattice *lat = quant_weights ? qs_lattice_get(QS_LATTICE_IQ1S) : NULL;
  if (!lat) {
    memset(dst, 0, (size_t)(nrows * nblocks) * sizeof(qs_block_iq1_s));
    return;
  }
  const source_span span = {src, src + nrows * n_per_row};
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq1_s(lat, src + row * n_per_row, (qs_block_iq1_s *)dst + row * nblocks, nblocks, quant_weights, span);
}

void qs_quantize_iq1_m(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  const int64_t nblocks = n_per_row / QS_QK_K;
  const qs_lattice *lat = qs_lattice_get(QS_LATTICE_IQ1S);
  if (!lat) return;
  const source_span span = {src, src + nrows * n_per_row};
  for (int64_t row = 0; row < nrows; row++)
    quantize_row_iq1_m(lat, src + row * n_per_row, (qs_block_iq1_m *)dst + row * nblocks, nblocks, quant_weights, span);
}

/* y = dl · (grid value + delta) for a group of 8. */
static inline void put8(float *y, float dl, uint64_t grid, float delta) {
  for (int j = 0; j < 8; j++) y[j] = dl * ((int8_t)((grid >> (8 * j)) & 0xFF) + delta);
}

void qs_dequantize_iq1_s(const void *src, float *y, int64_t n) {
  const qs_block_iq1_s *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    const float d = qs_half_to_f32(x[i].d);
    for (int ib = 0; ib < 8; ib++) {
      const uint16_t qh = x[i].qh[ib];
      const float dl = d * (2 * ((qh >> 12) & 7) + 1);
      const float delta = qh & 0x8000 ? -DELTA : DELTA;
      for (int l = 0; l < 4; l++) {
        put8(y, dl, qs_iq1s_grid[x[i].qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)], delta);
        y += 8;
      }
    }
  }
}

void qs_dequantize_iq1_m(const void *src, float *y, int64_t n) {
  const qs_block_iq1_m *x = src;
  for (int64_t i = 0; i < n / QS_QK_K; i++) {
    uint16_t sc[4];
    memcpy(sc, x[i].scales, sizeof sc);
    const qs_half scale = (qs_half)((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
    const float d = qs_half_to_f32(scale);
    const uint8_t *qs = x[i].qs, *qh = x[i].qh;
    for (int ib = 0; ib < 8; ib++) {
      const float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1);
      const float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
      const uint16_t idx[4] = {(uint16_t)(qs[0] | ((qh[0] << 8) & 0x700)), (uint16_t)(qs[1] | ((qh[0] << 4) & 0x700)),
                               (uint16_t)(qs[2] | ((qh[1] << 8) & 0x700)), (uint16_t)(qs[3] | ((qh[1] << 4) & 0x700))};
      const float delta[4] = {qh[0] & 0x08 ? -DELTA : DELTA, qh[0] & 0x80 ? -DELTA : DELTA, qh[1] & 0x08 ? -DELTA : DELTA,
                              qh[1] & 0x80 ? -DELTA : DELTA};
      for (int l = 0; l < 4; l++) {
        put8(y, l < 2 ? dl1 : dl2, qs_iq1s_grid[idx[l]], delta[l]);
        y += 8;
      }
      qs += 4;
      qh += 2;
    }
  }
}
