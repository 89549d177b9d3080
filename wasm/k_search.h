// Per-sub-block scale searches of the k-quants (ggml's make_qkx2_quants, make_q3_quants and
// make_qx_quants as the no-imatrix reference paths call them). Each fills L (the sub-block quants)
// and the sub-block scales (and mins) for one 256-element super-block x.
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

#endif
