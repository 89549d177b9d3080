// k-quant scale searches (see k_search.h), four sub-blocks per vector: lane k of every vector belongs
// to sub-block k of a group, and each lane performs exactly the scalar reference's operations on its
// own elements in their original order (sums included). Branches of the reference become per-lane
// masks; a lane that would have returned early is computed anyway and overridden at the end. Two groups
// run in one loop, so that the processor overlaps their sequential sums.
#include "simd.h"
#include "k_search.h"

#define F32(v) wasm_f32x4_splat(v)
#define QS_INLINE static inline __attribute__((always_inline))

/* Lane-wise nearest_int of v, clamped to lo..hi. */
static inline v128_t quantize_clamped(v128_t v, int lo, int hi) {
  return qs_clamp_i32x4(qs_nearest_int_f32x4(v), lo, hi);
}

/* in_range, and moreover no v above hi: the upper clamp has nothing to do */
#define BELOW_HI 2

/* Lane-wise clamp(nearest_int(v), lo, hi) as a float (the searches keep their quants as floats, which
 * small integers are exactly). With in_range (every lane's v is finite and within ±2²², or that lane's
 * results are discarded) v is clamped first and rounded to nearest-even by f32x4.nearest: nearest_int
 * rounds so in that range, and rounding commutes with clamping to integer bounds, so l is the same.
 * (Outside that range the two differ, so otherwise nearest_int's integer steps run.) A zero comes out
 * +0, as the integer's conversion gives: pmax(lo, v) turns v = -0 into lo = +0, and adding +0 turns
 * the -0 that rounding a negative fraction gives into +0. */
QS_INLINE v128_t quantize_to_float(v128_t v, int lo, int hi, int in_range) {
  if (!in_range) return wasm_f32x4_convert_i32x4(quantize_clamped(v, lo, hi));
  v128_t c = wasm_f32x4_pmax(F32((float)lo), v);
  if (in_range != BELOW_HI) c = wasm_f32x4_pmin(F32((float)hi), c);
  const v128_t l = wasm_f32x4_nearest(c);
  return lo < 0 ? wasm_f32x4_add(l, F32(0.f)) : l;
}

/* ---- affine fit (ggml's make_qkx2_quants): x ≈ scale·L + min, L in 0..nmax, min ≤ 0 ---- */

/* Most groups of four sub-blocks a search runs side by side, and the elements of all of them. */
#define MAX_GROUPS 2
#define MAX_LANE_ELEMENTS 64

static inline v128_t weighted_error(v128_t w, v128_t diff, int use_mad) {
  return wasm_f32x4_mul(w, use_mad ? wasm_f32x4_abs(diff) : wasm_f32x4_mul(diff, diff));
}

/* The affine fit keeps each element's x, weight and trial quant side by side (one record of three
 * vectors), so that one address serves all three. */
#define AX(e) rec[3 * (e)]
#define AW(e) rec[3 * (e) + 1]
#define AT(e) rec[3 * (e) + 2]

/* One candidate's quants (to the records) and sums Σw·l, Σw·l², Σw·l·x for G groups (see below). */
QS_INLINE void affine_trial(int G, int n, int nmax, int in_range, v128_t *rec, const v128_t *iscale, const v128_t *min,
                            v128_t *sum_l, v128_t *sum_l2, v128_t *sum_xl) {
  for (int i = 0; i < n; i++)
    for (int g = 0; g < G; g++) {
      const int e = g * n + i;
      const v128_t x = AX(e);
      const v128_t l = AT(e) = quantize_to_float(wasm_f32x4_mul(iscale[g], wasm_f32x4_sub(x, min[g])), 0, nmax, in_range);
      const v128_t wl = wasm_f32x4_mul(AW(e), l);
      sum_l[g] = wasm_f32x4_add(sum_l[g], wl);
      sum_l2[g] = wasm_f32x4_add(sum_l2[g], wasm_f32x4_mul(wl, l));
      sum_xl[g] = wasm_f32x4_add(sum_xl[g], wasm_f32x4_mul(wl, x));
    }
}

/* G independent groups of four sub-blocks in one pass (element i of group g at x[g·n + i], likewise w
 * and L; G·n ≤ MAX_LANE_ELEMENTS): every sum stays a sequential chain in the reference's order, and
 * the G groups' chains overlap, where one group alone waits on the latency of its additions.
 * Each group's per-lane scale goes to scale_out[g], -min to neg_min_out[g], the quants (i32 lanes) to L
 * (written only at the end).
 * This is also ggml's make_qkx3_quants when weights are given: the two differ only in their
 * weights-less defaults and in testing `max <= min` instead of `max == min` for a flat block, which
 * agree once min is clamped to ≤ 0. */
QS_INLINE void fit_affine_groups(int G, int n, int nmax, const v128_t *x, const v128_t *w, v128_t *L, v128_t *scale_out,
                                 v128_t *neg_min_out, float rmin, float rdelta, int nstep, int use_mad) {
  v128_t rec[3 * MAX_LANE_ELEMENTS];
  for (int e = 0; e < G * n; e++) {
    AX(e) = x[e];
    AW(e) = w[e];
  }
  const v128_t zero = F32(0.f);
  v128_t min[MAX_GROUPS], max[MAX_GROUPS], sum_w[MAX_GROUPS], sum_x[MAX_GROUPS], flat[MAX_GROUPS];
  v128_t scale[MAX_GROUPS], best_error[MAX_GROUPS], lowest[MAX_GROUPS], no_nan[MAX_GROUPS];
  /* the best candidate's iscale and the min its quants were measured from: L is recomputed from them
   * at the end instead of being copied from each better candidate */
  v128_t best_iscale[MAX_GROUPS], best_from[MAX_GROUPS];
  for (int g = 0; g < G; g++) {
    min[g] = max[g] = x[g * n];
    sum_w[g] = w[g * n];
    sum_x[g] = wasm_f32x4_mul(sum_w[g], x[g * n]);
    no_nan[g] = wasm_f32x4_eq(x[g * n], x[g * n]);
  }
  for (int i = 1; i < n; i++)
    for (int g = 0; g < G; g++) {
      const v128_t xi = x[g * n + i], wi = w[g * n + i];
      min[g] = qs_select(wasm_f32x4_lt(xi, min[g]), xi, min[g]);
      max[g] = qs_select(wasm_f32x4_gt(xi, max[g]), xi, max[g]);
      sum_w[g] = wasm_f32x4_add(sum_w[g], wi);
      sum_x[g] = wasm_f32x4_add(sum_x[g], wasm_f32x4_mul(wi, xi));
      no_nan[g] = wasm_v128_and(no_nan[g], wasm_f32x4_eq(xi, xi));
    }
  v128_t iscale[MAX_GROUPS];
  for (int g = 0; g < G; g++) {
    lowest[g] = min[g];
    min[g] = qs_select(wasm_f32x4_gt(min[g], zero), zero, min[g]);
    flat[g] = wasm_f32x4_eq(max[g], min[g]); /* the reference returns zeros here */
    iscale[g] = wasm_f32x4_div(F32((float)nmax), wasm_f32x4_sub(max[g], min[g]));
    scale[g] = wasm_f32x4_div(F32(1.f), iscale[g]);
    best_error[g] = zero;
    best_iscale[g] = iscale[g];
    best_from[g] = min[g];
  }
  for (int i = 0; i < n; i++)
    for (int g = 0; g < G; g++) {
      const int e = g * n + i;
      const v128_t l = quantize_to_float(wasm_f32x4_mul(iscale[g], wasm_f32x4_sub(x[e], min[g])), 0, nmax, 0);
      const v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(scale[g], l), min[g]), x[e]);
      best_error[g] = wasm_f32x4_add(best_error[g], weighted_error(w[e], diff, use_mad));
    }
  for (int step = 0; step <= nstep; step++) {
    /* min moves to the best fit so far, and later candidates are measured from it */
    const v128_t factor = F32(rmin + rdelta * step + nmax);
    v128_t sum_l[MAX_GROUPS], sum_l2[MAX_GROUPS], sum_xl[MAX_GROUPS];
    v128_t in_range = wasm_i32x4_splat(-1), below_hi = in_range;
    for (int g = 0; g < G; g++) {
      iscale[g] = wasm_f32x4_div(factor, wasm_f32x4_sub(max[g], min[g]));
      sum_l[g] = sum_l2[g] = sum_xl[g] = zero;
      /* v = iscale·(x − min) is finite and within ±2²² for every x of a lane when iscale is positive
       * and finite, no x is NaN, and v at the least x is above −2²² (subtraction and multiplication
       * round monotonically, so no x gives less, and none more than about iscale·(max − min), the
       * step's factor); flat lanes' results are discarded */
      const v128_t least = wasm_f32x4_mul(iscale[g], wasm_f32x4_sub(lowest[g], min[g]));
      const v128_t finite_scale = wasm_v128_and(wasm_f32x4_gt(iscale[g], zero), wasm_f32x4_lt(iscale[g], F32(__builtin_inff())));
      const v128_t ok = wasm_v128_and(wasm_v128_and(no_nan[g], finite_scale), wasm_f32x4_gt(least, F32(-4194304.f)));
      in_range = wasm_v128_and(in_range, wasm_v128_or(ok, flat[g]));
      /* and no v exceeds iscale·(max − min), rounded, by the same monotonicity */
      const v128_t top = wasm_f32x4_mul(iscale[g], wasm_f32x4_sub(max[g], min[g]));
      below_hi = wasm_v128_and(below_hi, wasm_v128_or(wasm_f32x4_le(top, F32((float)nmax)), flat[g]));
    }
    if (!wasm_i32x4_all_true(in_range)) affine_trial(G, n, nmax, 0, rec, iscale, min, sum_l, sum_l2, sum_xl);
    else if (wasm_i32x4_all_true(below_hi)) affine_trial(G, n, nmax, BELOW_HI, rec, iscale, min, sum_l, sum_l2, sum_xl);
    else affine_trial(G, n, nmax, 1, rec, iscale, min, sum_l, sum_l2, sum_xl);
    v128_t D[MAX_GROUPS], solvable[MAX_GROUPS], any_solvable = wasm_i32x4_splat(0);
    for (int g = 0; g < G; g++) {
      D[g] = wasm_f32x4_sub(wasm_f32x4_mul(sum_w[g], sum_l2[g]), wasm_f32x4_mul(sum_l[g], sum_l[g]));
      solvable[g] = wasm_v128_andnot(wasm_f32x4_gt(D[g], zero), flat[g]);
      any_solvable = wasm_v128_or(any_solvable, solvable[g]);
    }
    if (!wasm_v128_any_true(any_solvable)) continue;
    v128_t this_scale[MAX_GROUPS], this_min[MAX_GROUPS], error[MAX_GROUPS];
    for (int g = 0; g < G; g++) {
      /* lanes that are not solvable compute garbage here and keep their best fit */
      this_scale[g] = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_w[g], sum_xl[g]), wasm_f32x4_mul(sum_x[g], sum_l[g])), D[g]);
      this_min[g] = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_l2[g], sum_x[g]), wasm_f32x4_mul(sum_l[g], sum_xl[g])), D[g]);
      const v128_t positive_min = wasm_f32x4_gt(this_min[g], zero);
      this_min[g] = qs_select(positive_min, zero, this_min[g]);
      this_scale[g] = qs_select(positive_min, wasm_f32x4_div(sum_xl[g], sum_l2[g]), this_scale[g]);
      error[g] = zero;
    }
    for (int i = 0; i < n; i++)
      for (int g = 0; g < G; g++) {
        const int e = g * n + i;
        const v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(this_scale[g], AT(e)), this_min[g]), AX(e));
        error[g] = wasm_f32x4_add(error[g], weighted_error(AW(e), diff, use_mad));
      }
    for (int g = 0; g < G; g++) {
      const v128_t better = wasm_v128_and(solvable[g], wasm_f32x4_lt(error[g], best_error[g]));
      if (!wasm_v128_any_true(better)) continue;
      best_iscale[g] = qs_select(better, iscale[g], best_iscale[g]);
      best_from[g] = qs_select(better, min[g], best_from[g]);
      best_error[g] = qs_select(better, error[g], best_error[g]);
      scale[g] = qs_select(better, this_scale[g], scale[g]);
      min[g] = qs_select(better, this_min[g], min[g]);
    }
  }
  for (int g = 0; g < G; g++) {
    for (int i = 0; i < n; i++) {
      const v128_t v = wasm_f32x4_mul(best_iscale[g], wasm_f32x4_sub(x[g * n + i], best_from[g]));
      L[g * n + i] = wasm_v128_andnot(quantize_clamped(v, 0, nmax), flat[g]);
    }
    neg_min_out[g] = wasm_f32x4_neg(min[g]);
    scale_out[g] = qs_select(flat[g], zero, scale[g]);
  }
}

v128_t qs_fit_affine_x4(int n, int nmax, const v128_t *x, const v128_t *w, v128_t *L, v128_t *neg_min, float rmin,
                        float rdelta, int nstep) {
  v128_t scale;
  fit_affine_groups(1, n, nmax, x, w, L, &scale, neg_min, rmin, rdelta, nstep, 0);
  return scale;
}

void qs_q2k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins) {
  v128_t xt[32], wt[32], Lt[32], scale[2], neg_min[2];
  for (int p = 0; p < 2; p++) { /* groups 2p and 2p + 1 (sub-blocks 8p … 8p + 7) */
    qs_load_lanes(x + 128 * p, 16, 16, xt);
    qs_load_lanes(x + 128 * p + 64, 16, 16, xt + 16);
    for (int i = 0; i < 32; i++) wt[i] = wasm_f32x4_abs(xt[i]);
    fit_affine_groups(2, 16, 3, xt, wt, Lt, scale, neg_min, -0.5f, 0.1f, 15, 1);
    for (int k = 0; k < 2; k++) {
      wasm_v128_store(scales + 8 * p + 4 * k, scale[k]);
      wasm_v128_store(mins + 8 * p + 4 * k, neg_min[k]);
      qs_store_lane_bytes(Lt + 16 * k, 16, 16, L + 128 * p + 64 * k);
    }
  }
}

void qs_q45k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins, int nmax, float rmin, float rdelta,
                        int nstep) {
  v128_t xt[64], wt[64], Lt[64], scale[2], neg_min[2];
  for (int g = 0; g < 2; g++) {
    v128_t *xg = xt + 32 * g;
    qs_load_lanes(x + 128 * g, 32, 32, xg);
    v128_t sum_x2 = F32(0.f);
    for (int i = 0; i < 32; i++) sum_x2 = wasm_f32x4_add(sum_x2, wasm_f32x4_mul(xg[i], xg[i]));
    const v128_t av_x = wasm_f32x4_sqrt(wasm_f32x4_div(sum_x2, F32(32.f)));
    for (int i = 0; i < 32; i++) wt[32 * g + i] = wasm_f32x4_add(av_x, wasm_f32x4_abs(xg[i]));
  }
  fit_affine_groups(2, 32, nmax, xt, wt, Lt, scale, neg_min, rmin, rdelta, nstep, 0);
  for (int g = 0; g < 2; g++) {
    wasm_v128_store(scales + 4 * g, scale[g]);
    wasm_v128_store(mins + 4 * g, neg_min[g]);
    qs_store_lane_bytes(Lt + 32 * g, 32, 32, L + 128 * g);
  }
}

/* ---- symmetric fits: quants l in -nmax..nmax-1, stored as l + nmax ---- */

/* The symmetric fit's element records: x, its weight w and w·x. */
#define SX(e) rec[3 * (e)]
#define SW(e) rec[3 * (e) + 1]
#define SWX(e) rec[3 * (e) + 2]

/* One candidate's sums Σw·x·l, Σw·l² for G groups (see below). */
QS_INLINE void symmetric_trial(int G, int n, int nmax, int in_range, const v128_t *rec, const v128_t *iscale,
                               v128_t *sumlx, v128_t *suml2) {
  for (int i = 0; i < n; i++)
    for (int g = 0; g < G; g++) {
      const int e = g * n + i;
      const v128_t l = quantize_to_float(wasm_f32x4_mul(iscale[g], SX(e)), -nmax, nmax - 1, in_range);
      sumlx[g] = wasm_f32x4_add(sumlx[g], wasm_f32x4_mul(SWX(e), l));
      suml2[g] = wasm_f32x4_add(suml2[g], wasm_f32x4_mul(wasm_f32x4_mul(SW(e), l), l));
    }
}

/* ggml's make_qx_quants with rmse_type 1: the best of 19 candidate scales by (Σwxl)²/Σwl², with
 * weights qw (NULL: x², the no-imatrix default). G groups side by side as in fit_affine_groups. */
QS_INLINE void fit_symmetric_groups(int G, int n, int nmax, const v128_t *x, const v128_t *qw, v128_t *L,
                                    v128_t *scale_out) {
  v128_t rec[3 * MAX_LANE_ELEMENTS];
  const v128_t zero = F32(0.f);
  /* every candidate's sums use w and w·x (the reference's w*x[i]*l multiplies left to right) */
  for (int e = 0; e < G * n; e++) {
    SX(e) = x[e];
    SW(e) = qw ? qw[e] : wasm_f32x4_mul(x[e], x[e]);
    SWX(e) = wasm_f32x4_mul(SW(e), x[e]);
  }
  v128_t max[MAX_GROUPS], all_zero[MAX_GROUPS], iscale[MAX_GROUPS], sumlx[MAX_GROUPS], suml2[MAX_GROUPS];
  v128_t scale[MAX_GROUPS], best[MAX_GROUPS], best_iscale[MAX_GROUPS]; /* L is recomputed from best_iscale */
  /* every v = iscale·x is within ±(nmax + 1) when the lane's x are finite, as |x| ≤ |max| and
   * |max| ≥ QS_GROUP_EPS keeps iscale finite; all-zero lanes' results are discarded */
  v128_t in_range = wasm_i32x4_splat(-1);
  for (int g = 0; g < G; g++) {
    v128_t amax;
    max[g] = qs_signed_absmax_x4(n, x + g * n, &amax);
    all_zero[g] = wasm_f32x4_lt(amax, F32(QS_GROUP_EPS));
    iscale[g] = wasm_f32x4_div(F32((float)-nmax), max[g]);
    sumlx[g] = suml2[g] = zero;
    v128_t finite = wasm_i32x4_splat(-1);
    for (int i = 0; i < n; i++) finite = wasm_v128_and(finite, wasm_f32x4_lt(wasm_f32x4_abs(x[g * n + i]), F32(__builtin_inff())));
    in_range = wasm_v128_and(in_range, wasm_v128_or(finite, all_zero[g]));
  }
  if (wasm_i32x4_all_true(in_range)) symmetric_trial(G, n, nmax, 1, rec, iscale, sumlx, suml2);
  else symmetric_trial(G, n, nmax, 0, rec, iscale, sumlx, suml2);
  for (int g = 0; g < G; g++) {
    best_iscale[g] = iscale[g];
    scale[g] = qs_select(wasm_f32x4_ne(suml2[g], zero), wasm_f32x4_div(sumlx[g], suml2[g]), zero);
    best[g] = wasm_f32x4_mul(scale[g], sumlx[g]);
  }
  for (int is = -9; is <= 9; is++) {
    if (is == 0) continue;
    const v128_t factor = F32(-(nmax + 0.1f * is));
    for (int g = 0; g < G; g++) {
      iscale[g] = wasm_f32x4_div(factor, max[g]);
      sumlx[g] = suml2[g] = zero;
    }
    if (wasm_i32x4_all_true(in_range)) symmetric_trial(G, n, nmax, 1, rec, iscale, sumlx, suml2);
    else symmetric_trial(G, n, nmax, 0, rec, iscale, sumlx, suml2);
    for (int g = 0; g < G; g++) {
      const v128_t better = wasm_v128_and(wasm_f32x4_gt(suml2[g], zero),
                                          wasm_f32x4_gt(wasm_f32x4_mul(sumlx[g], sumlx[g]), wasm_f32x4_mul(best[g], suml2[g])));
      if (!wasm_v128_any_true(better)) continue;
      best_iscale[g] = qs_select(better, iscale[g], best_iscale[g]);
      scale[g] = qs_select(better, wasm_f32x4_div(sumlx[g], suml2[g]), scale[g]);
      best[g] = qs_select(better, wasm_f32x4_mul(scale[g], sumlx[g]), best[g]);
    }
  }
  for (int g = 0; g < G; g++) {
    for (int i = 0; i < n; i++)
      L[g * n + i] = wasm_v128_andnot(wasm_i32x4_add(quantize_clamped(wasm_f32x4_mul(best_iscale[g], x[g * n + i]), -nmax, nmax - 1),
                                                     wasm_i32x4_splat(nmax)), all_zero[g]);
    scale_out[g] = qs_select(all_zero[g], zero, scale[g]);
  }
}

v128_t qs_fit_symmetric_x4(int n, int nmax, const v128_t *x, const v128_t *qw, v128_t *L) {
  v128_t scale;
  fit_symmetric_groups(1, n, nmax, x, qw, L, &scale);
  return scale;
}

/* Groups of four 16-element sub-blocks the 16-sub-block symmetric fits run side by side. */
#define SYMMETRIC_GROUPS 2

void qs_q6k_sub_scales(const float *x, int8_t *L, float *scales) {
  v128_t xt[16 * SYMMETRIC_GROUPS], Lt[16 * SYMMETRIC_GROUPS], scale[SYMMETRIC_GROUPS];
  for (int p = 0; p < 4; p += SYMMETRIC_GROUPS) {
    for (int k = 0; k < SYMMETRIC_GROUPS; k++) qs_load_lanes(x + 64 * (p + k), 16, 16, xt + 16 * k);
    fit_symmetric_groups(SYMMETRIC_GROUPS, 16, 32, xt, NULL, Lt, scale);
    for (int k = 0; k < SYMMETRIC_GROUPS; k++) {
      wasm_v128_store(scales + 4 * (p + k), scale[k]);
      qs_store_lane_bytes(Lt + 16 * k, 16, 16, (uint8_t *)L + 64 * (p + k));
    }
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
  v128_t xt[64], wt[64], Lt[64], scale[2], neg_min[2];
  for (int p = 0; p < QS_QK_K / (8 * sub); p++) { /* groups 2p and 2p + 1 of four sub-blocks */
    for (int k = 0; k < 2; k++) {
      const int g = 2 * p + k;
      qs_load_lanes(x + 4 * sub * g, sub, sub, xt + sub * k);
      qs_load_lanes(w + 4 * sub * g, sub, sub, wt + sub * k);
      v128_t sum_w = F32(0.f);
      for (int i = 0; i < sub; i++) sum_w = wasm_f32x4_add(sum_w, wt[sub * k + i]);
      wasm_v128_store(sw + 4 * g, sum_w);
    }
    if (sub == 16) fit_affine_groups(2, 16, nmax, xt, wt, Lt, scale, neg_min, -0.9f, 0.05f, 36, 0);
    else fit_affine_groups(2, 32, nmax, xt, wt, Lt, scale, neg_min, -0.9f, 0.05f, 36, 0);
    for (int k = 0; k < 2; k++) {
      const int g = 2 * p + k;
      wasm_v128_store(scales + 4 * g, scale[k]);
      wasm_v128_store(mins + 4 * g, neg_min[k]);
      qs_store_lane_bytes(Lt + sub * k, sub, sub, L + 4 * sub * g);
    }
  }
}

void qs_symmetric_sub_scales_weighted(const float *x, const float *w, int nmax, int8_t *L, float *scales, float *sw) {
  v128_t xt[16 * SYMMETRIC_GROUPS], wt[16 * SYMMETRIC_GROUPS], Lt[16 * SYMMETRIC_GROUPS], scale[SYMMETRIC_GROUPS];
  for (int p = 0; p < 4; p += SYMMETRIC_GROUPS) {
    for (int k = 0; k < SYMMETRIC_GROUPS; k++) {
      qs_load_lanes(x + 64 * (p + k), 16, 16, xt + 16 * k);
      qs_load_lanes(w + 64 * (p + k), 16, 16, wt + 16 * k);
      if (sw) {
        v128_t sum_w = F32(0.f);
        for (int i = 0; i < 16; i++) sum_w = wasm_f32x4_add(sum_w, wt[16 * k + i]);
        wasm_v128_store(sw + 4 * (p + k), sum_w);
      }
    }
    fit_symmetric_groups(SYMMETRIC_GROUPS, 16, nmax, xt, wt, Lt, scale);
    for (int k = 0; k < SYMMETRIC_GROUPS; k++) {
      wasm_v128_store(scales + 4 * (p + k), scale[k]);
      qs_store_lane_bytes(Lt + 16 * k, 16, 16, (uint8_t *)L + 64 * (p + k));
    }
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
