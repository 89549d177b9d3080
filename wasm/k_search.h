// Per-sub-block scale searches of the k-quants (ggml's make_qkx2_quants, make_q3_quants and
// make_qx_quants as the no-imatrix reference paths call them, and make_qkx3_quants, make_qx_quants and
// make_qp_quants as the importance-weighted paths do). Each fills L (the sub-block quants) and the
// sub-block scales (and mins) for one 256-element super-block x.
#ifndef QUANTSMITH_K_SEARCH_H
#define QUANTSMITH_K_SEARCH_H

#include "quantsmith.h"

/* Q2_K: 16 sub-blocks of 16, quants 0..3, weights |x|, mean-absolute error. */
void qs_q2k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins);

/* Q3_K: 16 sub-blocks of 16, signed quants stored as 0..7, weights x². */
void qs_q3k_sub_scales(const float *x, int8_t *L, float *scales);

/* Q4_K (nmax 15) and Q5_K (nmax 31): 8 sub-blocks of 32, weights rms(x) + |x|, squared error. */
void qs_q45k_sub_scales(const float *x, uint8_t *L, float *scales, float *mins, int nmax, float rmin, float rdelta,
                        int nstep);

/* Q6_K: 16 sub-blocks of 16, signed quants stored as 0..63, weights x². */
void qs_q6k_sub_scales(const float *x, int8_t *L, float *scales);

/* ---- with importance weights (ggml's quantize_row_*_K_impl); w: the super-block's 256 final
 * per-element weights; sw (may be NULL for the symmetric fit) gets each sub-block's Σw ---- */

/* make_qkx3_quants(sub, nmax, …, -0.9, 0.05, 36, squared error) on each sub-element sub-block
 * (sub 16 for Q2_K, 32 for Q4_K/Q5_K). */
void qs_affine_sub_scales_weighted(const float *x, const float *w, int sub, int nmax, uint8_t *L, float *scales,
                                   float *mins, float *sw);

/* make_qx_quants(16, nmax, …, rmse_type 1, w) on each of the 16 sub-blocks (Q3_K: nmax 4, Q6_K: 32). */
void qs_symmetric_sub_scales_weighted(const float *x, const float *w, int nmax, int8_t *L, float *scales, float *sw);

/* Scalar searches over a super-block's sub-block scales. */
float qs_make_qp_quants(int n, int nmax, const float *x, uint8_t *L, const float *qw);
float qs_make_qx_quants(int n, int nmax, const float *x, int8_t *L, const float *qw);

/* Lane-per-block fits for the legacy types' 32-element blocks (four blocks at a time, one per lane):
 * make_qkx3_quants with weights w and squared error, and make_qx_quants(rmse_type 1) with weights qw. */
#include <wasm_simd128.h>
v128_t qs_fit_affine_x4(int n, int nmax, const v128_t *x, const v128_t *w, v128_t *L, v128_t *neg_min, float rmin,
                        float rdelta, int nstep);
v128_t qs_fit_symmetric_x4(int n, int nmax, const v128_t *x, const v128_t *qw, v128_t *L);

#endif
