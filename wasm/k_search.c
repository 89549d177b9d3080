// k-quant scale searches (see k_search.h), four sub-blocks at a time: lane k of every vector belongs
// to sub-block k of a group, and each lane performs exactly the scalar reference's operations on its
// own elements in their original order (sums included). Branches of the reference become per-lane
// masks; a lane that would have returned early is computed anyway and overridden at the end.
#include "simd.h"
#include "k_search.h"

#define F32(v) wasm_f32x4_splat(v)
#define QS_INLINE static inline __attribute__((always_inline))

/* Lane-wise nearest_int of v, clamped to lo..hi. */
static inline v128_t quantize_clamped(v128_t v, int lo, int hi) {
  return qs_clamp_i32x4(qs_nearest_int_f32x4(v), lo, hi);
}

/* ---- affine fit (ggml's make_qkx2_quants): x ≈ scale·L + min, L in 0..nmax, min ≤ 0 ---- */

static inline v128_t weighted_error(v128_t w, v128_t diff, int use_mad) {
  return wasm_f32x4_mul(w, use_mad ? wasm_f32x4_abs(diff) : wasm_f32x4_mul(diff, diff));
}

/* Returns the per-lane scale; *neg_min gets -min; L[i] (i32 lanes) the quants. This is also ggml's
 * make_qkx3_quants when weights are given: the two differ only in their weights-less defaults and in
 * testing `max <= min` instead of `max == min` for a flat block, which agree once min is clamped to ≤ 0. */
static v128_t fit_affine_x4(int n, int nmax, const v128_t *x, const v128_t *w, v128_t *L, v128_t *neg_min,
                            float rmin, float rdelta, int nstep, int use_mad) {
  v128_t trial[32];
  const v128_t zero = F32(0.f);
  v128_t min = x[0], max = x[0];
  v128_t sum_w = w[0];
  v128_t sum_x = wasm_f32x4_mul(sum_w, x[0]);
  for (int i = 1; i < n; i++) {
    min = qs_select(wasm_f32x4_lt(x[i], min), x[i], min);
    max = qs_select(wasm_f32x4_gt(x[i], max), x[i], max);
    sum_w = wasm_f32x4_add(sum_w, w[i]);
    sum_x = wasm_f32x4_add(sum_x, wasm_f32x4_mul(w[i], x[i]));
  }
  min = qs_select(wasm_f32x4_gt(min, zero), zero, min);
  const v128_t flat = wasm_f32x4_eq(max, min); /* the reference returns zeros here */

  v128_t iscale = wasm_f32x4_div(F32((float)nmax), wasm_f32x4_sub(max, min));
  v128_t scale = wasm_f32x4_div(F32(1.f), iscale);
  v128_t best_error = zero;
  for (int i = 0; i < n; i++) {
    L[i] = quantize_clamped(wasm_f32x4_mul(iscale, wasm_f32x4_sub(x[i], min)), 0, nmax);
    const v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(scale, wasm_f32x4_convert_i32x4(L[i])), min), x[i]);
    best_error = wasm_f32x4_add(best_error, weighted_error(w[i], diff, use_mad));
  }
  for (int step = 0; step <= nstep; step++) {
    /* min moves to the best fit so far, and later candidates are measured from it */
    iscale = wasm_f32x4_div(F32(rmin + rdelta * step + nmax), wasm_f32x4_sub(max, min));
    v128_t sum_l = zero, sum_l2 = zero, sum_xl = zero;
    for (int i = 0; i < n; i++) {
      trial[i] = quantize_clamped(wasm_f32x4_mul(iscale, wasm_f32x4_sub(x[i], min)), 0, nmax);
      const v128_t l = wasm_f32x4_convert_i32x4(trial[i]);
      const v128_t wl = wasm_f32x4_mul(w[i], l);
      sum_l = wasm_f32x4_add(sum_l, wl);
      sum_l2 = wasm_f32x4_add(sum_l2, wasm_f32x4_mul(wl, l));
      sum_xl = wasm_f32x4_add(sum_xl, wasm_f32x4_mul(wl, x[i]));
    }
    const v128_t D = wasm_f32x4_sub(wasm_f32x4_mul(sum_w, sum_l2), wasm_f32x4_mul(sum_l, sum_l));
    const v128_t solvable = wasm_v128_andnot(wasm_f32x4_gt(D, zero), flat);
    if (!wasm_v128_any_true(solvable)) continue;
    v128_t this_scale = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_w, sum_xl), wasm_f32x4_mul(sum_x, sum_l)), D);
    v128_t this_min = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_l2, sum_x), wasm_f32x4_mul(sum_l, sum_xl)), D);
    const v128_t positive_min = wasm_f32x4_gt(this_min, zero);
    this_min = qs_select(positive_min, zero, this_min);
    this_scale = qs_select(positive_min, wasm_f32x4_div(sum_xl, sum_l2), this_scale);
    v128_t error = zero;
    for (int i = 0; i < n; i++) {
      const v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(this_scale, wasm_f32x4_convert_i32x4(trial[i])), this_min), x[i]);
      error = wasm_f32x4_add(error, weighted_error(w[i], diff, use_mad));
    }
    const v128_t better = wasm_v128_and(solvable, wasm_f32x4_lt(error, best_error));
    if (!wasm_v128_any_true(better)) continue;
    for (int i = 0; i < n; i++) L[i] = qs_select(better, trial[i], L[i]);
    best_error = qs_select(better, error, best_error);
    scale = qs_select(better, this_scale, scale);
    min = qs_select(better, this_min, min);
  }
  for (int i = 0; i < n; i++) L[i] = wasm_v128_andnot(L[i], flat);
  *neg_min = wasm_f32x4_neg(min);
  return qs_select(flat, zero, scale);
}

v128_t qs_fit_affine_x4(int n, int nmax, const v128_t *x, const v128_t *w, v128_t *L, v128_t *neg_min, float rmin,
                        float rdelta, int nstep) {
  return fit_affine_x4(n, nmax, x, w, L, neg_min, rmin, rdelta, nstep, 0);
}

void qs_q2k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins) {
  v128_t xt[16], wt[16], Lt[16];
  for (int g = 0; g < 4; g++) {
    qs_load_lanes(x + 64 * g, 16, 16, xt);
    for (int i = 0; i < 16; i++) wt[i] = wasm_f32x4_abs(xt[i]);
    v128_t neg_min;
    const v128_t scale = fit_affine_x4(16, 3, xt, wt, Lt, &neg_min, -0.5f, 0.1f, 15, 1);
    wasm_v128_store(scales + 4 * g, scale);
    wasm_v128_store(mins + 4 * g, neg_min);
    qs_store_lane_bytes(Lt, 16, 16, L + 64 * g);
  }
}

void qs_q45k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins, int nmax, float rmin, float rdelta,
                        int nstep) {
  v128_t xt[32], wt[32], Lt[32];
  for (int g = 0; g < 2; g++) {
    qs_load_lanes(x + 128 * g, 32, 32, xt);
    v128_t sum_x2 = F32(0.f);
    for (int i = 0; i < 32; i++) sum_x2 = wasm_f32x4_add(sum_x2, wasm_f32x4_mul(xt[i], xt[i]));
    const v128_t av_x = wasm_f32x4_sqrt(wasm_f32x4_div(sum_x2, F32(32.f)));
    for (int i = 0; i < 32; i++) wt[i] = wasm_f32x4_add(av_x, wasm_f32x4_abs(xt[i]));
    v128_t neg_min;
    const v128_t scale = fit_affine_x4(32, nmax, xt, wt, Lt, &neg_min, rmin, rdelta, nstep, 0);
    wasm_v128_store(scales + 4 * g, scale);
    wasm_v128_store(mins + 4 * g, neg_min);
    qs_store_lane_bytes(Lt, 32, 32, L + 128 * g);
  }
}

/* ---- symmetric fits: quants l in -nmax..nmax-1, stored as l + nmax ---- */

/* ggml's make_qx_quants with rmse_type 1: the best of 19 candidate scales by (Σwxl)²/Σwl², with
 * weights qw (NULL: x², the no-imatrix default). */
QS_INLINE v128_t fit_symmetric_x4(int n, int nmax, const v128_t *x, const v128_t *qw, v128_t *L) {
  v128_t amax;
  const v128_t max = qs_signed_absmax_x4(n, x, &amax);
  const v128_t all_zero = wasm_f32x4_lt(amax, F32(QS_GROUP_EPS));
  const v128_t zero = F32(0.f);
  v128_t iscale = wasm_f32x4_div(F32((float)-nmax), max);
  v128_t sumlx = zero, suml2 = zero;
  for (int i = 0; i < n; i++) {
    const v128_t li = quantize_clamped(wasm_f32x4_mul(iscale, x[i]), -nmax, nmax - 1);
    L[i] = li;
    const v128_t l = wasm_f32x4_convert_i32x4(li);
    const v128_t w = qw ? qw[i] : wasm_f32x4_mul(x[i], x[i]);
    sumlx = wasm_f32x4_add(sumlx, wasm_f32x4_mul(wasm_f32x4_mul(w, x[i]), l));
    suml2 = wasm_f32x4_add(suml2, wasm_f32x4_mul(wasm_f32x4_mul(w, l), l));
  }
  v128_t scale = qs_select(wasm_f32x4_ne(suml2, zero), wasm_f32x4_div(sumlx, suml2), zero);
  v128_t best = wasm_f32x4_mul(scale, sumlx);
  v128_t trial[32];
  for (int is = -9; is <= 9; is++) {
    if (is == 0) continue;
    iscale = wasm_f32x4_div(F32(-(nmax + 0.1f * is)), max);
    sumlx = suml2 = zero;
    for (int i = 0; i < n; i++) {
      trial[i] = quantize_clamped(wasm_f32x4_mul(iscale, x[i]), -nmax, nmax - 1);
      const v128_t l = wasm_f32x4_convert_i32x4(trial[i]);
      const v128_t w = qw ? qw[i] : wasm_f32x4_mul(x[i], x[i]);
      sumlx = wasm_f32x4_add(sumlx, wasm_f32x4_mul(wasm_f32x4_mul(w, x[i]), l));
      suml2 = wasm_f32x4_add(suml2, wasm_f32x4_mul(wasm_f32x4_mul(w, l), l));
    }
    const v128_t better = wasm_v128_and(wasm_f32x4_gt(suml2, zero),
                                        wasm_f32x4_gt(wasm_f32x4_mul(sumlx, sumlx), wasm_f32x4_mul(best, suml2)));
    if (!wasm_v128_any_true(better)) continue;
    for (int i = 0; i < n; i++) L[i] = qs_select(better, trial[i], L[i]);
    scale = qs_select(better, wasm_f32x4_div(sumlx, suml2), scale);
    best = qs_select(better, wasm_f32x4_mul(scale, sumlx), best);
  }
  for (int i = 0; i < n; i++) L[i] = wasm_v128_andnot(wasm_i32x4_add(L[i], wasm_i32x4_splat(nmax)), all_zero);
  return qs_select(all_zero, zero, scale);
}

v128_t qs_fit_symmetric_x4(int n, int nmax, const v128_t *x, const v128_t *qw, v128_t *L) {
  return fit_symmetric_x4(n, nmax, x, qw, L);
}

void qs_q6k_sub_scales(const float *x, int8_t *L, float *scales) {
  v128_t xt[16], Lt[16];
  for (int g = 0; g < 4; g++) {
    qs_load_lanes(x + 64 * g, 16, 16, xt);
    wasm_v128_store(scales + 4 * g, fit_symmetric_x4(16, 32, xt, NULL, Lt));
    qs_store_lane_bytes(Lt, 16, 16, (uint8_t *)L + 64 * g);
  }
}

/* ggml's make_q3_quants with do_rmse: start from the plain rounding, then up to five passes that
 * move one element at a time when that raises (Σwxl)²/Σwl² (w = x²). A lane stops at the first pass
 * that changes nothing in it, as the reference's loop breaks. */
static v128_t fit_symmetric_refined_x4(int n, int nmax, const v128_t *x, v128_t *L) {
  v128_t amax;
  const v128_t max = qs_signed_absmax_x4(n, x, &amax);
  const v128_t all_zero = wasm_f32x4_lt(amax, F32(QS_GROUP_EPS));
  const v128_t zero = F32(0.f);
  const v128_t iscale = wasm_f32x4_div(F32((float)-nmax), max);
  v128_t sumlx = zero, suml2 = zero;
  v128_t w[32], wx[32], Lf[32];
  for (int i = 0; i < n; i++) {
    L[i] = quantize_clamped(wasm_f32x4_mul(iscale, x[i]), -nmax, nmax - 1);
    Lf[i] = wasm_f32x4_convert_i32x4(L[i]);
    w[i] = wasm_f32x4_mul(x[i], x[i]);
    wx[i] = wasm_f32x4_mul(w[i], x[i]);
    sumlx = wasm_f32x4_add(sumlx, wasm_f32x4_mul(wx[i], Lf[i]));
    suml2 = wasm_f32x4_add(suml2, wasm_f32x4_mul(wasm_f32x4_mul(w[i], Lf[i]), Lf[i]));
  }
  v128_t active = wasm_v128_not(all_zero);
  for (int pass = 0; pass < 5 && wasm_v128_any_true(active); pass++) {
    v128_t changed = wasm_i32x4_splat(0);
    for (int i = 0; i < n; i++) {
      v128_t slx = wasm_f32x4_sub(sumlx, wasm_f32x4_mul(wx[i], Lf[i]));
      v128_t candidate = wasm_v128_and(active, wasm_f32x4_gt(slx, zero));
      if (!wasm_v128_any_true(candidate)) continue;
      v128_t sl2 = wasm_f32x4_sub(suml2, wasm_f32x4_mul(wasm_f32x4_mul(w[i], Lf[i]), Lf[i]));
      const v128_t li = quantize_clamped(wasm_f32x4_div(wasm_f32x4_mul(x[i], sl2), slx), -nmax, nmax - 1);
      candidate = wasm_v128_andnot(candidate, wasm_i32x4_eq(li, L[i]));
      if (!wasm_v128_any_true(candidate)) continue;
      const v128_t l = wasm_f32x4_convert_i32x4(li);
      slx = wasm_f32x4_add(slx, wasm_f32x4_mul(wx[i], l));
      sl2 = wasm_f32x4_add(sl2, wasm_f32x4_mul(wasm_f32x4_mul(w[i], l), l));
      const v128_t gain = wasm_f32x4_gt(wasm_f32x4_mul(wasm_f32x4_mul(slx, slx), suml2),
                                        wasm_f32x4_mul(wasm_f32x4_mul(sumlx, sumlx), sl2));
      const v128_t take = wasm_v128_and(candidate, wasm_v128_and(wasm_f32x4_gt(sl2, zero), gain));
      L[i] = qs_select(take, li, L[i]);
      Lf[i] = qs_select(take, l, Lf[i]);
      sumlx = qs_select(take, slx, sumlx);
      suml2 = qs_select(take, sl2, suml2);
      changed = wasm_v128_or(changed, take);
    }
    active = wasm_v128_and(active, changed);
  }
  for (int i = 0; i < n; i++) L[i] = wasm_v128_andnot(wasm_i32x4_add(L[i], wasm_i32x4_splat(nmax)), all_zero);
  const v128_t scale = qs_select(wasm_f32x4_gt(suml2, zero), wasm_f32x4_div(sumlx, suml2), zero);
  return qs_select(all_zero, zero, scale);
}

void qs_q3k_sub_scales(const float *x, int8_t *L, float *scales) {
  v128_t xt[16], Lt[16];
  for (int g = 0; g < 4; g++) {
    qs_load_lanes(x + 64 * g, 16, 16, xt);
    wasm_v128_store(scales + 4 * g, fit_symmetric_refined_x4(16, 4, xt, Lt));
    qs_store_lane_bytes(Lt, 16, 16, (uint8_t *)L + 64 * g);
  }
}

/* ---- weighted searches (ggml's quantize_row_*_K_impl with quant_weights) ----
 * w holds the final per-element weights of the super-block; sw gets each sub-block's Σw (summed in
 * element order, as the reference does). */

void qs_affine_sub_scales_weighted(const float *x, const float *w, int sub, int nmax, uint8_t *L, float *scales,
                                   float *mins, float *sw) {
  v128_t xt[32], wt[32], Lt[32];
  for (int g = 0; g < QS_QK_K / (4 * sub); g++) {
    qs_load_lanes(x + 4 * sub * g, sub, sub, xt);
    qs_load_lanes(w + 4 * sub * g, sub, sub, wt);
    v128_t sum_w = F32(0.f);
    for (int i = 0; i < sub; i++) sum_w = wasm_f32x4_add(sum_w, wt[i]);
    wasm_v128_store(sw + 4 * g, sum_w);
    v128_t neg_min;
    const v128_t scale = fit_affine_x4(sub, nmax, xt, wt, Lt, &neg_min, -0.9f, 0.05f, 36, 0);
    wasm_v128_store(scales + 4 * g, scale);
    wasm_v128_store(mins + 4 * g, neg_min);
    qs_store_lane_bytes(Lt, sub, sub, L + 4 * sub * g);
  }
}

void qs_symmetric_sub_scales_weighted(const float *x, const float *w, int nmax, int8_t *L, float *scales, float *sw) {
  v128_t xt[16], wt[16], Lt[16];
  for (int g = 0; g < 4; g++) {
    qs_load_lanes(x + 64 * g, 16, 16, xt);
    qs_load_lanes(w + 64 * g, 16, 16, wt);
    if (sw) {
      v128_t sum_w = F32(0.f);
      for (int i = 0; i < 16; i++) sum_w = wasm_f32x4_add(sum_w, wt[i]);
      wasm_v128_store(sw + 4 * g, sum_w);
    }
    wasm_v128_store(scales + 4 * g, fit_symmetric_x4(16, nmax, xt, wt, Lt));
    qs_store_lane_bytes(Lt, 16, 16, (uint8_t *)L + 64 * g);
  }
}

/* ggml's make_qp_quants: non-negative values x ≈ scale·L, L in 0..nmax, weighted by qw; the search
 * over nine scales and five refinement passes, scalar (it runs on a super-block's 8 or 16 scales).
 * The integer types are the reference's: L is a byte (negative quants wrap), the trial quants ints. */
float qs_make_qp_quants(int n, int nmax, const float *x, uint8_t *L, const float *qw) {
  float max = 0;
  for (int i = 0; i < n; i++) max = max > x[i] ? max : x[i];
  if (max < QS_GROUP_EPS) {
    memset(L, 0, (size_t)n);
    return 0.f;
  }
  float iscale = nmax / max;
  for (int i = 0; i < n; i++) L[i] = (uint8_t)qs_nearest_int(iscale * x[i]);
  const float scale = 1 / iscale;
  float best_mse = 0;
  for (int i = 0; i < n; i++) {
    const float diff = x[i] - scale * L[i];
    best_mse += qw[i] * diff * diff;
  }
  for (int is = -4; is <= 4; is++) {
    if (is == 0) continue;
    const float iscale_is = (0.1f * is + nmax) / max;
    const float scale_is = 1 / iscale_is;
    float mse = 0;
    for (int i = 0; i < n; i++) {
      const int l = qs_min_int(nmax, qs_nearest_int(iscale_is * x[i]));
      const float diff = x[i] - scale_is * l;
      mse += qw[i] * diff * diff;
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
    sumlx += qw[i] * x[i] * l;
    suml2 += qw[i] * l * l;
  }
  for (int pass = 0; pass < 5; pass++) {
    int changed = 0;
    for (int i = 0; i < n; i++) {
      const float w = qw[i];
      float slx = sumlx - w * x[i] * L[i];
      float sl2 = suml2 - w * L[i] * L[i];
      if (slx > 0 && sl2 > 0) {
        const int l = qs_min_int(nmax, qs_nearest_int(x[i] * sl2 / slx));
        if (l != L[i]) {
          slx += w * x[i] * l;
          sl2 += w * l * l;
          if (slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = (uint8_t)l;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (!changed) break;
  }
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* ggml's make_qx_quants with rmse_type 1 and weights qw, scalar (Q3_K's 16 sub-block scales). */
float qs_make_qx_quants(int n, int nmax, const float *x, int8_t *L, const float *qw) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; i++) {
    const float ax = __builtin_fabsf(x[i]);
    if (ax > amax) { amax = ax; max = x[i]; }
  }
  if (amax < QS_GROUP_EPS) {
    memset(L, 0, (size_t)n);
    return 0.f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; i++) {
    const int l = qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i])));
    L[i] = (int8_t)(l + nmax);
    sumlx += qw[i] * x[i] * l;
    suml2 += qw[i] * l * l;
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; is++) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; i++) {
      const int l = qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i])));
      sumlx += qw[i] * x[i] * l;
      suml2 += qw[i] * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; i++) L[i] = (int8_t)(nmax + qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i]))));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}
