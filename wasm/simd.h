// Small WASM SIMD helpers shared by the kernels. Each is lane-exact: a lane computes what the scalar
// reference computes for that element, so vector and scalar code give identical bits.
#ifndef QUANTSMITH_SIMD_H
#define QUANTSMITH_SIMD_H

#include <wasm_simd128.h>
#include "quantsmith.h"

static inline float qs_hmax_f32x4(v128_t v) {
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

static inline float qs_hmin_f32x4(v128_t v) {
  v = wasm_f32x4_min(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_min(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

/* Largest |x| of n floats (n a multiple of 16), skipping NaNs as an `if (amax < fabsf(v))` scan does.
 * Order-free: max is exact, and pmax(acc, v) = acc < v ? v : acc never takes a NaN v. */
static inline float qs_absmax(const float *x, int n) {
  v128_t m0 = wasm_f32x4_splat(0.0f), m1 = m0, m2 = m0, m3 = m0;
  for (int i = 0; i < n; i += 16) {
    m0 = wasm_f32x4_pmax(m0, wasm_f32x4_abs(wasm_v128_load(x + i)));
    m1 = wasm_f32x4_pmax(m1, wasm_f32x4_abs(wasm_v128_load(x + i + 4)));
    m2 = wasm_f32x4_pmax(m2, wasm_f32x4_abs(wasm_v128_load(x + i + 8)));
    m3 = wasm_f32x4_pmax(m3, wasm_f32x4_abs(wasm_v128_load(x + i + 12)));
  }
  return qs_hmax_f32x4(wasm_f32x4_max(wasm_f32x4_max(m0, m1), wasm_f32x4_max(m2, m3)));
}

/* Whether any of n floats (n a multiple of 4) is NaN. */
static inline int qs_has_nan(const float *x, int n) {
  v128_t nan = wasm_i32x4_splat(0);
  for (int i = 0; i < n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    nan = wasm_v128_or(nan, wasm_f32x4_ne(v, v));
  }
  return wasm_v128_any_true(nan);
}

/* The reference scans with `if (amax < fabsf(v)) { amax = fabsf(v); max = v; }` from amax = 0, max = 0:
 * the result is the first element of largest magnitude, keeping its sign, and +0 when all are zero. */
static inline float qs_signed_absmax(const float *x, int n) {
  const float amax = qs_absmax(x, n);
  if (amax == 0.0f) return 0.0f;
  const v128_t target = wasm_f32x4_splat(amax);
  for (int i = 0; i < n; i += 4) {
    const int hits = wasm_i32x4_bitmask(wasm_f32x4_eq(wasm_f32x4_abs(wasm_v128_load(x + i)), target));
    if (hits) return x[i + __builtin_ctz((unsigned)hits)];
  }
  return 0.0f; /* unreachable for finite input */
}

/* A reference `if (v < min) min = v;` scan keeps the first element equal to the minimum; only zeros
 * (+0 and -0 compare equal) can tell the difference, so look the sign up when the extreme is zero. */
static inline float qs_first_zero(const float *x, int n) {
  for (int i = 0; i < n; i++)
    if (x[i] == 0.0f) return x[i];
  return 0.0f;
}

/* Min and max of n floats (n a multiple of 4), as the reference's scan from FLT_MAX / -FLT_MAX finds
 * them (NaNs never compare, so they are skipped: pmin/pmax keep the accumulator for a NaN v). */
static inline void qs_min_max(const float *x, int n, float *min_out, float *max_out) {
  v128_t lo = wasm_f32x4_splat(3.40282347e+38f), hi = wasm_f32x4_splat(-3.40282347e+38f);
  for (int i = 0; i < n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    lo = wasm_f32x4_pmin(lo, v);
    hi = wasm_f32x4_pmax(hi, v);
  }
  float min = qs_hmin_f32x4(lo), max = qs_hmax_f32x4(hi);
  if (min == 0.0f) min = qs_first_zero(x, n);
  if (max == 0.0f) max = qs_first_zero(x, n);
  *min_out = min;
  *max_out = max;
}

/* The reference's C casts of float to an 8-bit integer, as the x86-64 build of llama.cpp executes them:
 * cvttss2si truncates to i32 and yields INT_MIN for NaN and anything out of range (id = 1/d overflows when
 * a block's scale is subnormal), then the low byte is kept. Saturating truncation gives INT_MAX above the
 * range and 0 for NaN; INT_MIN, 0 and the replaced INT_MAX all have a zero low byte. Result: the int8 value,
 * sign-extended in i32 lanes. */
static inline v128_t qs_x86_trunc_to_i8(v128_t v) {
  v128_t r = wasm_i32x4_trunc_sat_f32x4(v);
  r = wasm_v128_andnot(r, wasm_i32x4_eq(r, wasm_i32x4_splat(INT32_MAX)));
  return wasm_i32x4_shr(wasm_i32x4_shl(r, 24), 24);
}

/* Scalar twin of qs_x86_trunc_to_i8. */
static inline int8_t qs_x86_f32_to_i8(float v) {
  if (!(v >= -2147483648.0f && v < 2147483648.0f)) return 0;
  return (int8_t)(int32_t)v;
}

/* roundf (halves away from zero) per lane: v - trunc(v) is exact in float. */
static inline v128_t qs_roundf_f32x4(v128_t v) {
  const v128_t t = wasm_f32x4_trunc(v);
  const v128_t half_or_more = wasm_f32x4_ge(wasm_f32x4_abs(wasm_f32x4_sub(v, t)), wasm_f32x4_splat(0.5f));
  const v128_t step = wasm_v128_or(wasm_v128_and(v, wasm_i32x4_splat((int32_t)0x80000000u)), wasm_f32x4_splat(1.0f));
  return wasm_f32x4_add(t, wasm_v128_and(step, half_or_more));
}

/* qs_nearest_int per lane. */
static inline v128_t qs_nearest_int_f32x4(v128_t v) {
  const v128_t shifted = wasm_f32x4_add(v, wasm_f32x4_splat(12582912.f));
  return wasm_i32x4_sub(wasm_v128_and(shifted, wasm_i32x4_splat(0x007FFFFF)), wasm_i32x4_splat(0x00400000));
}

/* Sixteen i32 lanes known to lie in [0, 255] → sixteen bytes. */
static inline v128_t qs_pack_u8(v128_t a, v128_t b, v128_t c, v128_t d) {
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
}

/* Sixteen i32 lanes known to lie in [-128, 127] → sixteen signed bytes. */
static inline v128_t qs_pack_i8(v128_t a, v128_t b, v128_t c, v128_t d) {
  return wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
}

/* The four i32 lanes of byte-vector quarter k (0..3), unsigned or signed. */
static inline v128_t qs_u8_quarter(v128_t bytes, int k) {
  const v128_t h = k < 2 ? wasm_u16x8_extend_low_u8x16(bytes) : wasm_u16x8_extend_high_u8x16(bytes);
  return (k & 1) ? wasm_u32x4_extend_high_u16x8(h) : wasm_u32x4_extend_low_u16x8(h);
}

static inline v128_t qs_i8_quarter(v128_t bytes, int k) {
  const v128_t h = k < 2 ? wasm_i16x8_extend_low_i8x16(bytes) : wasm_i16x8_extend_high_i8x16(bytes);
  return (k & 1) ? wasm_i32x4_extend_high_i16x8(h) : wasm_i32x4_extend_low_i16x8(h);
}

/* Byte j of the result is 0xFF when bit j of the 16-bit `bits` is set. */
static inline v128_t qs_expand_bits16(uint32_t bits) {
  const v128_t spread = wasm_i8x16_shuffle(wasm_i16x8_splat((int16_t)bits), wasm_i16x8_splat(0),
                                           0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const v128_t select = wasm_i8x16_const(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return wasm_i8x16_eq(wasm_v128_and(spread, select), select);
}

/* ---- lane-per-block layout: four blocks side by side, one per lane ----
 * Searches that iterate over a block's elements in order can run four blocks at once this way while
 * each lane still sees its own elements in the reference order. */

/* Transposes four rows of four lanes in place. */
static inline void qs_transpose4(v128_t *r0, v128_t *r1, v128_t *r2, v128_t *r3) {
  const v128_t t0 = wasm_i32x4_shuffle(*r0, *r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*r0, *r1, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(*r2, *r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*r2, *r3, 2, 6, 3, 7);
  *r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  *r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  *r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  *r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/* out[i] = element i of the four n-element blocks starting at x, x + stride, x + 2·stride, x + 3·stride
 * (n a multiple of 4). */
static inline void qs_load_lanes(const float *x, int stride, int n, v128_t *out) {
  for (int i = 0; i < n; i += 4) {
    v128_t r0 = wasm_v128_load(x + i), r1 = wasm_v128_load(x + stride + i);
    v128_t r2 = wasm_v128_load(x + 2 * stride + i), r3 = wasm_v128_load(x + 3 * stride + i);
    qs_transpose4(&r0, &r1, &r2, &r3);
    out[i] = r0;
    out[i + 1] = r1;
    out[i + 2] = r2;
    out[i + 3] = r3;
  }
}

/* The inverse for small integers: byte L[lane·stride + i] = lane of q[i] (values fit a byte). */
static inline void qs_store_lane_bytes(const v128_t *q, int n, int stride, uint8_t *L) {
  for (int i = 0; i < n; i += 4) {
    v128_t r0 = q[i], r1 = q[i + 1], r2 = q[i + 2], r3 = q[i + 3];
    qs_transpose4(&r0, &r1, &r2, &r3);
    const v128_t bytes = qs_pack_u8(wasm_v128_and(r0, wasm_i32x4_splat(0xFF)), wasm_v128_and(r1, wasm_i32x4_splat(0xFF)),
                                    wasm_v128_and(r2, wasm_i32x4_splat(0xFF)), wasm_v128_and(r3, wasm_i32x4_splat(0xFF)));
    wasm_v128_store32_lane(L + i, bytes, 0);
    wasm_v128_store32_lane(L + stride + i, bytes, 1);
    wasm_v128_store32_lane(L + 2 * stride + i, bytes, 2);
    wasm_v128_store32_lane(L + 3 * stride + i, bytes, 3);
  }
}

static inline void qs_store_lanes_f32(v128_t v, float *out) { wasm_v128_store(out, v); }

/* mask ? a : b, lane-wise (mask lanes all ones or all zeros) */
static inline v128_t qs_select(v128_t mask, v128_t a, v128_t b) { return wasm_v128_bitselect(a, b, mask); }

/* Per lane: the first element of largest magnitude (sign kept, +0 when none is non-zero) and that
 * magnitude, as the reference's `if (fabsf(v) > amax)` scan from zero finds them. */
static inline v128_t qs_signed_absmax_x4(int n, const v128_t *x, v128_t *amax_out) {
  v128_t amax = wasm_f32x4_splat(0.f), max = wasm_f32x4_splat(0.f);
  for (int i = 0; i < n; i++) {
    const v128_t a = wasm_f32x4_abs(x[i]);
    const v128_t larger = wasm_f32x4_gt(a, amax);
    amax = qs_select(larger, a, amax);
    max = qs_select(larger, x[i], max);
  }
  *amax_out = amax;
  return max;
}

static inline v128_t qs_clamp_i32x4(v128_t v, int lo, int hi) {
  return wasm_i32x4_max(wasm_i32x4_min(v, wasm_i32x4_splat(hi)), wasm_i32x4_splat(lo));
}

#endif
