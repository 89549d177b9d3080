// Shared by the codebook quants (quants_iq1.c, quants_iq2.c, quants_iq3.c): their block layouts
// (byte-for-byte ggml-common.h's), the steps every one of ggml's quantize_row_iq*_impl routines
// repeats (in the same float order), and the lane pick of their vector neighbour scans.
#ifndef QUANTSMITH_QUANTS_IQ_H
#define QUANTSMITH_QUANTS_IQ_H

#include <math.h>
#include "quantsmith.h"
#include "iq_lattice.h"
#include <wasm_simd128.h>

typedef struct { qs_half d; uint16_t qs[QS_QK_K / 8]; } qs_block_iq2_xxs;
typedef struct { qs_half d; uint16_t qs[QS_QK_K / 8]; uint8_t scales[QS_QK_K / 32]; } qs_block_iq2_xs;
typedef struct { qs_half d; uint8_t qs[QS_QK_K / 4]; uint8_t qh[QS_QK_K / 32]; uint8_t scales[QS_QK_K / 32]; } qs_block_iq2_s;
typedef struct { qs_half d; uint8_t qs[3 * QS_QK_K / 8]; } qs_block_iq3_xxs;
typedef struct { qs_half d; uint8_t qs[QS_QK_K / 4]; uint8_t qh[QS_QK_K / 32]; uint8_t signs[QS_QK_K / 8]; uint8_t scales[QS_QK_K / 64]; } qs_block_iq3_s;
typedef struct { qs_half d; uint8_t qs[QS_QK_K / 8]; uint16_t qh[QS_QK_K / 32]; } qs_block_iq1_s;
typedef struct { uint8_t qs[QS_QK_K / 8]; uint8_t qh[QS_QK_K / 16]; uint8_t scales[QS_QK_K / 32]; } qs_block_iq1_m;

_Static_assert(sizeof(qs_block_iq2_xxs) == 66, "iq2_xxs block");
_Static_assert(sizeof(qs_block_iq2_xs) == 74, "iq2_xs block");
_Static_assert(sizeof(qs_block_iq2_s) == 82, "iq2_s block");
_Static_assert(sizeof(qs_block_iq3_xxs) == 98, "iq3_xxs block");
_Static_assert(sizeof(qs_block_iq3_s) == 110, "iq3_s block");
_Static_assert(sizeof(qs_block_iq1_s) == 50, "iq1_s block");
_Static_assert(sizeof(qs_block_iq1_m) == 56, "iq1_m block");

/* The quantizers (prototypes from type_traits.def) take whole rows and the importance weights of one
 * row (n_per_row floats, the same for every row; NULL = none). IQ2_XXS, IQ2_XS and IQ1_S need weights
 * (ggml aborts without them; the dispatcher refuses them first): given NULL they write zero blocks. */

/* ggml's MAX/MIN macros (the first operand wins ties and NaN comparisons go to the second). */
static inline float qs_fmax_ggml(float a, float b) { return a > b ? a : b; }
static inline int qs_clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Σ x² over a super-block, in order. */
static inline float qs_sum_squares(const float *x, int n) {
  float s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

/* weight[i] = qw[i]·√(sigma2 + x[i]²): every imatrix path of the codebook quants. */
static inline void qs_iq_weights(const float *x, const float *qw, float sigma2, int n, float *weight) {
  for (int i = 0; i < n; i++) weight[i] = qw[i] * sqrtf(sigma2 + x[i] * x[i]);
}

/* Magnitudes of one group of 8 and its sign bits (bit i = element i negative). */
static inline uint8_t qs_fold_signs8(const float *x, float *xval) {
  uint8_t s = 0;
  for (int i = 0; i < 8; i++) {
    if (x[i] >= 0) xval[i] = x[i];
    else {
      xval[i] = -x[i];
      s |= (uint8_t)(1 << i);
    }
  }
  return s;
}

/* The even-parity variant (IQ2_XXS, IQ2_XS, IQ3_XXS store 7 sign bits per 8): with an odd count of
 * negatives, the element of least weight·x² keeps the wrong sign. Returns the 7 stored bits. */
static inline uint8_t qs_fold_signs8_even(const float *x, const float *weight, float *xval) {
  uint8_t s = qs_fold_signs8(x, xval);
  if (__builtin_popcount(s) % 2) {
    int imin = 0;
    float min = weight[0] * x[0] * x[0];
    for (int i = 1; i < 8; i++) {
      const float ax = weight[i] * x[i] * x[i];
      if (ax < min) {
        min = ax;
        imin = i;
      }
    }
    xval[imin] = -xval[imin];
    s ^= (uint8_t)(1 << imin);
  }
  return s & 127;
}

/* Largest of n values as ggml's `max = MAX(max, x[i])` scan from x[0] finds it. */
static inline float qs_scan_max(const float *x, int n) {
  float max = x[0];
  for (int i = 1; i < n; i++) max = qs_fmax_ggml(max, x[i]);
  return max;
}

/* A block scale → its 4-bit (or 3-bit) code against the super-block scale d = 1/id. */
static inline int qs_iq_scale_code(float id, float scale, int max_code) {
  return qs_clamp_int(qs_nearest_int(0.5f * (id * scale - 1)), 0, max_code);
}

/* After a scan that keeps, per lane, the least distance seen (`best`, from FLT_MAX, updated on a strict
 * `<`) and its position in the list (`best_at`, -1 if none): the position the scalar scan over the
 * whole list would keep, i.e. the earliest position of the least distance; -1 if no lane found one. */
static inline int qs_first_least(v128_t best, v128_t best_at) {
  v128_t m = wasm_f32x4_min(best, wasm_i32x4_shuffle(best, best, 2, 3, 0, 1));
  m = wasm_f32x4_min(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
  v128_t at = wasm_v128_bitselect(best_at, wasm_i32x4_splat(INT32_MAX), wasm_f32x4_eq(best, m));
  at = wasm_i32x4_min(at, wasm_i32x4_shuffle(at, at, 2, 3, 0, 1));
  at = wasm_i32x4_min(at, wasm_i32x4_shuffle(at, at, 1, 0, 3, 2));
  return wasm_i32x4_extract_lane(at, 0);
}

#endif
