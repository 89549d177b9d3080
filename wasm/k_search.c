// Scalar k-quant scale searches, in the reference's exact float order (see k_search.h).
#include "k_search.h"

/* Fits x ≈ scale·L + min (min ≤ 0, L in 0..nmax) by trying nstep+1 candidate inverse scales around
 * nmax/(max-min) and keeping the one with the lowest weighted error (ggml's make_qkx2_quants).
 * Returns the scale; *neg_min receives -min. */
static float fit_affine(int n, int nmax, const float *x, const float *w, uint8_t *L, float *neg_min,
                        float rmin, float rdelta, int nstep, int use_mad) {
  uint8_t trial[32];
  float min = x[0], max = x[0];
  float sum_w = w[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; i++) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    memset(L, 0, (size_t)n);
    *neg_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; i++) {
    L[i] = (uint8_t)qs_max_int(0, qs_min_int(nmax, qs_nearest_int(iscale * (x[i] - min))));
    float diff = scale * L[i] + min - x[i];
    diff = use_mad ? __builtin_fabsf(diff) : diff * diff;
    best_error += w[i] * diff;
  }
  for (int step = 0; step <= nstep; step++) {
    iscale = (rmin + rdelta * step + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; i++) {
      const int l = qs_max_int(0, qs_min_int(nmax, qs_nearest_int(iscale * (x[i] - min))));
      trial[i] = (uint8_t)l;
      sum_l += w[i] * l;
      sum_l2 += w[i] * l * l;
      sum_xl += w[i] * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (!(D > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    float error = 0;
    for (int i = 0; i < n; i++) {
      float diff = this_scale * trial[i] + this_min - x[i];
      diff = use_mad ? __builtin_fabsf(diff) : diff * diff;
      error += w[i] * diff;
    }
    if (error < best_error) {
      memcpy(L, trial, (size_t)n);
      best_error = error;
      scale = this_scale;
      min = this_min;
    }
  }
  *neg_min = -min;
  return scale;
}

void qs_q2k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins) {
  float w[16];
  for (int j = 0; j < 16; j++) {
    const float *xs = x + 16 * j;
    for (int i = 0; i < 16; i++) w[i] = __builtin_fabsf(xs[i]);
    scales[j] = fit_affine(16, 3, xs, w, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, 1);
  }
}

void qs_q45k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins, int nmax, float rmin, float rdelta,
                        int nstep) {
  float w[32];
  for (int j = 0; j < 8; j++) {
    const float *xs = x + 32 * j;
    float sum_x2 = 0;
    for (int i = 0; i < 32; i++) sum_x2 += xs[i] * xs[i];
    const float av_x = __builtin_sqrtf(sum_x2 / 32);
    for (int i = 0; i < 32; i++) w[i] = av_x + __builtin_fabsf(xs[i]);
    scales[j] = fit_affine(32, nmax, xs, w, L + 32 * j, &mins[j], rmin, rdelta, nstep, 0);
  }
}

/* First element of largest magnitude (sign kept) and that magnitude, scanning from 0. */
static float signed_absmax(const float *x, int n, float *amax_out) {
  float amax = 0, max = 0;
  for (int i = 0; i < n; i++) {
    const float a = __builtin_fabsf(x[i]);
    if (a > amax) { amax = a; max = x[i]; }
  }
  *amax_out = amax;
  return max;
}

/* Symmetric quants l in -nmax..nmax-1 (stored as l + nmax) minimizing Σ x²·(x - scale·l)² over 19
 * candidate scales (ggml's make_qx_quants with rmse_type 1 and no importance weights). */
static float fit_symmetric(int n, int nmax, const float *x, int8_t *L) {
  float amax;
  const float max = signed_absmax(x, n, &amax);
  if (amax < QS_GROUP_EPS) {
    memset(L, 0, (size_t)n);
    return 0.f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; i++) {
    const int l = qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i])));
    L[i] = (int8_t)(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; is++) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; i++) {
      const int l = qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i])));
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; i++)
        L[i] = (int8_t)(nmax + qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i]))));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

void qs_q6k_sub_scales(const float *x, int8_t *L, float *scales) {
  for (int j = 0; j < 16; j++) scales[j] = fit_symmetric(16, 32, x + 16 * j, L + 16 * j);
}

/* Symmetric quants -nmax..nmax-1 (stored + nmax) refined one element at a time for up to five
 * passes, keeping a change when it raises (Σwxl)²/Σwl² with w = x² (ggml's make_q3_quants, do_rmse). */
static float fit_symmetric_refined(int n, int nmax, const float *x, int8_t *L) {
  float amax;
  const float max = signed_absmax(x, n, &amax);
  if (amax < QS_GROUP_EPS) {
    memset(L, 0, (size_t)n);
    return 0.f;
  }
  const float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; i++) {
    const int l = qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(iscale * x[i])));
    L[i] = (int8_t)l;
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int pass = 0; pass < 5; pass++) {
    int changed = 0;
    for (int i = 0; i < n; i++) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * L[i];
      if (!(slx > 0)) continue;
      float sl2 = suml2 - w * L[i] * L[i];
      const int l = qs_max_int(-nmax, qs_min_int(nmax - 1, qs_nearest_int(x[i] * sl2 / slx)));
      if (l == L[i]) continue;
      slx += w * x[i] * l;
      sl2 += w * l * l;
      if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
        L[i] = (int8_t)l;
        sumlx = slx;
        suml2 = sl2;
        changed++;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < n; i++) L[i] = (int8_t)(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

void qs_q3k_sub_scales(const float *x, int8_t *L, float *scales) {
  for (int j = 0; j < 16; j++) scales[j] = fit_symmetric_refined(16, 4, x + 16 * j, L + 16 * j);
}
