// Legacy 32-element block formats: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (ggml's quantize_row_*_ref and
// dequantize_row_*). All SIMD: scale search is a min/max (order-free), and every element is then
// quantized by the same per-element float expression as the reference, evaluated lane by lane.
// With importance weights (ggml's quantize_row_*_impl) the 4- and 5-bit types search their scales
// as the k-quants do, four blocks at a time, one per lane (k_search.h).
#include "source.h"
#include "k_search.h"

/* Elements 0..15 of a block go to the low nibbles, 16..31 to the high nibbles. */
static inline v128_t pack_nibbles(v128_t low16, v128_t high16) {
  return wasm_v128_or(low16, wasm_i8x16_shl(high16, 4));
}

/* Bit 4 of each of the 32 quants → the 32-bit qh word (element j → bit j). */
static inline uint32_t fifth_bits(v128_t low16, v128_t high16) {
  const uint32_t lo = (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_shl(low16, 3));
  const uint32_t hi = (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_shl(high16, 3));
  return lo | (hi << 16);
}

/* The byte the reference stores for `MIN(top, (int8_t)v)` (or `(uint8_t)v` with top 255), per i32 lane. */
static inline v128_t clamped_byte(v128_t v, v128_t top) {
  return wasm_v128_and(wasm_i32x4_min(qs_x86_trunc_to_i8(v), top), wasm_i32x4_splat(0xFF));
}

/* trunc(x·id + offset) for 16 floats, clamped above at `top`: the reference's `MIN(top, (int8_t)(x*id + offset))`. */
static inline v128_t scaled_trunc16(const float *x, v128_t id, v128_t offset, v128_t top) {
  v128_t q[4];
  for (int k = 0; k < 4; k++) q[k] = clamped_byte(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + 4 * k), id), offset), top);
  return qs_pack_u8(q[0], q[1], q[2], q[3]);
}

/* trunc((x - min)·id + 0.5) for 16 floats, clamped above at `top`. */
static inline v128_t offset_trunc16(const float *x, v128_t min, v128_t id, v128_t top) {
  v128_t q[4];
  for (int k = 0; k < 4; k++) {
    const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + 4 * k), min), id),
                                    wasm_f32x4_splat(0.5f));
    q[k] = clamped_byte(v, top);
  }
  return qs_pack_u8(q[0], q[1], q[2], q[3]);
}

/* ---- importance-weighted Q4_0, Q4_1, Q5_0, Q5_1 (ggml's quantize_row_*_impl) ----
 * Per row: sigma2 = Σx²/n_per_row; per element: weight = qw·sqrt(sigma2 + x²). The symmetric types
 * then run make_qx_quants(32, nmax, …, rmse_type 1, weights), the ones with a minimum
 * make_qkx3_quants(32, nmax, …, -0.9, 0.05, 36, squared error). */

typedef void (*weighted_store_fn)(void *block, const uint8_t *L, float d, float neg_min);

static void store_q4_0(void *block, const uint8_t *L, float d, float neg_min) {
  (void)neg_min;
  qs_block_q4_0 *y = (qs_block_q4_0 *)block;
  y->d = qs_f32_to_half(d);
  wasm_v128_store(y->qs, pack_nibbles(wasm_v128_load(L), wasm_v128_load(L + 16)));
}

static void store_q4_1(void *block, const uint8_t *L, float d, float neg_min) {
  qs_block_q4_1 *y = (qs_block_q4_1 *)block;
  y->d = qs_f32_to_half(d);
  y->m = qs_f32_to_half(-neg_min);
  wasm_v128_store(y->qs, pack_nibbles(wasm_v128_load(L), wasm_v128_load(L + 16)));
}

/* Q5 quants 0..31: low nibbles in qs, bit 4 in qh. */
static void store_five_bits(uint8_t *qs, uint8_t *qh_bytes, const uint8_t *L) {
  const v128_t low = wasm_v128_load(L), high = wasm_v128_load(L + 16), nibble = wasm_i8x16_splat(0x0F);
  wasm_v128_store(qs, pack_nibbles(wasm_v128_and(low, nibble), wasm_v128_and(high, nibble)));
  const uint32_t qh = fifth_bits(low, high);
  memcpy(qh_bytes, &qh, 4);
}

static void store_q5_0(void *block, const uint8_t *L, float d, float neg_min) {
  (void)neg_min;
  qs_block_q5_0 *y = (qs_block_q5_0 *)block;
  y->d = qs_f32_to_half(d);
  store_five_bits(y->qs, y->qh, L);
}

static void store_q5_1(void *block, const uint8_t *L, float d, float neg_min) {
  qs_block_q5_1 *y = (qs_block_q5_1 *)block;
  y->d = qs_f32_to_half(d);
  y->m = qs_f32_to_half(-neg_min);
  store_five_bits(y->qs, y->qh, L);
}

/* Four blocks (128 floats of x and of their weights w) → four blocks of the type. */
static void weighted_blocks_x4(const float *x, const float *w, int nmax, int affine, uint8_t *y, size_t block_bytes,
                               weighted_store_fn store) {
  v128_t xt[32], wt[32], Lt[32], neg_min = wasm_f32x4_splat(0.f), d;
  qs_load_lanes(x, 32, 32, xt);
  qs_load_lanes(w, 32, 32, wt);
  if (affine) d = qs_fit_affine_x4(32, nmax, xt, wt, Lt, &neg_min, -0.9f, 0.05f, 36);
  else d = qs_fit_symmetric_x4(32, nmax, xt, wt, Lt);
  uint8_t L[4 * 32];
  float ds[4], neg_mins[4];
  qs_store_lane_bytes(Lt, 32, 32, L);
  wasm_v128_store(ds, d);
  wasm_v128_store(neg_mins, neg_min);
  for (int b = 0; b < 4; b++) store(y + b * block_bytes, L + 32 * b, ds[b], neg_mins[b]);
}

static void quantize_legacy_weighted(const float *x, uint8_t *y, int64_t nrows, int64_t n_per_row, const float *qw,
                                     int nmax, int affine, size_t block_bytes, weighted_store_fn store) {
  float w[4 * QS_QK];
  const int64_t nb = n_per_row / QS_QK;
  for (int64_t r = 0; r < nrows; r++, x += n_per_row) {
    float sum_x2 = 0;
    for (int64_t j = 0; j < n_per_row; j++) sum_x2 += x[j] * x[j];
    const v128_t sigma2 = wasm_f32x4_splat(sum_x2 / n_per_row);
    for (int64_t b = 0; b < nb; b += 4) {
      const int count = nb - b < 4 ? (int)(nb - b) : 4;
      float padded[4 * QS_QK];
      const float *xb = x + QS_QK * b;
      if (count < 4) { /* 1-3 trailing blocks: zero-padded lanes, their output dropped */
        memset(padded, 0, sizeof(padded));
        memcpy(padded, xb, sizeof(float) * QS_QK * count);
        xb = padded;
      }
      memset(w, 0, sizeof(w));
      for (int i = 0; i < QS_QK * count; i += 4) {
        const v128_t v = wasm_v128_load(xb + i);
        const v128_t root = wasm_f32x4_sqrt(wasm_f32x4_add(sigma2, wasm_f32x4_mul(v, v)));
        wasm_v128_store(w + i, wasm_f32x4_mul(wasm_v128_load(qw + QS_QK * b + i), root));
      }
      uint8_t out[4 * sizeof(qs_block_q5_1)];
      weighted_blocks_x4(xb, w, nmax, affine, out, block_bytes, store);
      memcpy(y, out, block_bytes * count);
      y += block_bytes * count;
    }
  }
}

void qs_quantize_q4_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    quantize_legacy_weighted(x, (uint8_t *)dst, nrows, n_per_row, quant_weights, 8, 0, sizeof(qs_block_q4_0), store_q4_0);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q4_0 *y = (qs_block_q4_0 *)dst;
  for (int64_t b = 0; b < n / QS_QK; b++, x += QS_QK) {
    const float max = qs_signed_absmax(x, QS_QK);
    const float d = max / -8;
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    const v128_t vid = wasm_f32x4_splat(id), offset = wasm_f32x4_splat(8.5f), top = wasm_i32x4_splat(15);
    const v128_t low = scaled_trunc16(x, vid, offset, top), high = scaled_trunc16(x + 16, vid, offset, top);
    wasm_v128_store(y[b].qs, pack_nibbles(low, high));
  }
}

void qs_quantize_q4_1(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    quantize_legacy_weighted(x, (uint8_t *)dst, nrows, n_per_row, quant_weights, 15, 1, sizeof(qs_block_q4_1), store_q4_1);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q4_1 *y = (qs_block_q4_1 *)dst;
  for (int64_t b = 0; b < n / QS_QK; b++, x += QS_QK) {
    float min, max;
    qs_min_max(x, QS_QK, &min, &max);
    const float d = (max - min) / 15;
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    y[b].m = qs_f32_to_half(min);
    const v128_t vmin = wasm_f32x4_splat(min), vid = wasm_f32x4_splat(id), top = wasm_i32x4_splat(15);
    const v128_t low = offset_trunc16(x, vmin, vid, top), high = offset_trunc16(x + 16, vmin, vid, top);
    wasm_v128_store(y[b].qs, pack_nibbles(low, high));
  }
}

void qs_quantize_q5_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    quantize_legacy_weighted(x, (uint8_t *)dst, nrows, n_per_row, quant_weights, 16, 0, sizeof(qs_block_q5_0), store_q5_0);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q5_0 *y = (qs_block_q5_0 *)dst;
  for (int64_t b = 0; b < n / QS_QK; b++, x += QS_QK) {
    const float max = qs_signed_absmax(x, QS_QK);
    const float d = max / -16;
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    const v128_t vid = wasm_f32x4_splat(id), offset = wasm_f32x4_splat(16.5f), top = wasm_i32x4_splat(31);
    const v128_t low = scaled_trunc16(x, vid, offset, top), high = scaled_trunc16(x + 16, vid, offset, top);
    const v128_t nibble = wasm_i8x16_splat(0x0F);
    wasm_v128_store(y[b].qs, pack_nibbles(wasm_v128_and(low, nibble), wasm_v128_and(high, nibble)));
    const uint32_t qh = fifth_bits(low, high);
    memcpy(y[b].qh, &qh, 4);
  }
}

void qs_quantize_q5_1(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  if (quant_weights) {
    quantize_legacy_weighted(x, (uint8_t *)dst, nrows, n_per_row, quant_weights, 31, 1, sizeof(qs_block_q5_1), store_q5_1);
    return;
  }
  const int64_t n = nrows * n_per_row;
  qs_block_q5_1 *y = (qs_block_q5_1 *)dst;
  for (int64_t b = 0; b < n / QS_QK; b++, x += QS_QK) {
    float min, max;
    qs_min_max(x, QS_QK, &min, &max);
    const float d = (max - min) / 31;
    const float id = d ? 1.0f / d : 0.0f;
    y[b].d = qs_f32_to_half(d);
    y[b].m = qs_f32_to_half(min);
    /* the reference has no clamp here (its values cannot exceed 31); 255 keeps the byte cast's meaning */
    const v128_t vmin = wasm_f32x4_splat(min), vid = wasm_f32x4_splat(id), top = wasm_i32x4_splat(255);
    const v128_t low = offset_trunc16(x, vmin, vid, top), high = offset_trunc16(x + 16, vmin, vid, top);
    const v128_t nibble = wasm_i8x16_splat(0x0F);
    wasm_v128_store(y[b].qs, pack_nibbles(wasm_v128_and(low, nibble), wasm_v128_and(high, nibble)));
    const uint32_t qh = fifth_bits(low, high);
    memcpy(y[b].qh, &qh, 4);
  }
}

/* A Q8_0 block with a NaN, exactly as the reference treats it: its `amax = MAX(amax, fabsf(v))` scan
 * takes a NaN and lets the next element replace it, which no order-free maximum reproduces. */
static void quantize_q8_0_block_with_nan(const float *x, qs_block_q8_0 *y) {
  float amax = 0.0f;
  for (int j = 0; j < QS_QK; j++) {
    const float a = __builtin_fabsf(x[j]);
    amax = amax > a ? amax : a;
  }
  const float d = amax / ((1 << 7) - 1);
  const float id = d ? 1.0f / d : 0.0f;
  y->d = qs_f32_to_half(d);
  for (int j = 0; j < QS_QK; j++) y->qs[j] = qs_x86_f32_to_i8(__builtin_roundf(x[j] * id));
}

/* One Q8_0 block from 32 floats, any values (the general path). */
static void quantize_q8_0_block(const float *x, qs_block_q8_0 *y) {
  if (qs_has_nan(x, QS_QK)) {
    quantize_q8_0_block_with_nan(x, y);
    return;
  }
  const float amax = qs_absmax(x, QS_QK);
  const float d = amax / ((1 << 7) - 1);
  const float id = d ? 1.0f / d : 0.0f;
  y->d = qs_f32_to_half(d);
  const v128_t vid = wasm_f32x4_splat(id);
  for (int half = 0; half < 2; half++) {
    v128_t q[4];
    for (int k = 0; k < 4; k++)
      q[k] = qs_x86_trunc_to_i8(qs_roundf_f32x4(wasm_f32x4_mul(wasm_v128_load(x + 16 * half + 4 * k), vid)));
    wasm_v128_store(y->qs + 16 * half, qs_pack_i8(q[0], q[1], q[2], q[3]));
  }
}

void qs_quantize_q8_0(const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights) {
  (void)quant_weights; /* ggml's quantize_q8_0 ignores them too */
  const int64_t n = nrows * n_per_row;
  qs_block_q8_0 *y = (qs_block_q8_0 *)dst;
  for (int64_t b = 0; b < n / QS_QK; b++, x += QS_QK) quantize_q8_0_block(x, &y[b]);
}

/* ---- Q8_0 straight from F32/F16/BF16 rows, each block widened in registers ----
 * With the sign bit cleared, the bits of every format here order like the magnitudes, so a block's
 * amax is an unsigned integer maximum of its bits; a result at or above infinity's bits means an
 * Inf or NaN in the block, which the general path handles. */

static inline uint32_t hmax_u16x8(v128_t m) {
  m = wasm_u16x8_max(m, wasm_i32x4_shuffle(m, m, 2, 3, 0, 1));
  m = wasm_u16x8_max(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
  m = wasm_u16x8_max(m, wasm_i16x8_shuffle(m, m, 1, 0, 3, 2, 5, 4, 7, 6));
  return wasm_u16x8_extract_lane(m, 0);
}

static inline uint32_t hmax_u32x4(v128_t m) {
  m = wasm_u32x4_max(m, wasm_i32x4_shuffle(m, m, 2, 3, 0, 1));
  m = wasm_u32x4_max(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
  return (uint32_t)wasm_i32x4_extract_lane(m, 0);
}

/* roundf(v) for |v| < 2^22 as i32 lanes: trunc(v + copysign(0.5 - 2^-25, v)) equals roundf (ties away
 * from zero) for every float of magnitude below 2^24 (checked exhaustively); the integer is then read
 * off the mantissa after adding 1.5·2^23. */
static inline v128_t roundf_to_i32x4(v128_t v) {
  const v128_t sign = wasm_v128_and(v, wasm_i32x4_splat((int32_t)0x80000000u));
  const v128_t t = wasm_f32x4_trunc(wasm_f32x4_add(v, wasm_v128_or(sign, wasm_f32x4_splat(0x1.fffffep-2f))));
  return wasm_i32x4_sub(wasm_f32x4_add(t, wasm_f32x4_splat(12582912.f)), wasm_i32x4_splat(0x4B400000));
}

/* Four non-negative finite halves held in the low bits of u32 lanes → four floats. */
static inline v128_t finite_half_bits_to_f32x4(v128_t h) {
  return wasm_f32x4_mul(wasm_i32x4_shl(h, 13), wasm_f32x4_splat(0x1.0p+112f));
}

/* Block b in the general path, widened to floats first. */
static void quantize_q8_0_block_widened(const void *src, int src_type, int64_t b, qs_block_q8_0 *y) {
  float widened[QS_QK];
  qs_widen_source(src, src_type, b * QS_QK, QS_QK, widened);
  quantize_q8_0_block(widened, y);
}

/* The sign-cleared bits of block b's largest magnitude. */
QS_ALWAYS_INLINE uint32_t block_top_bits(const void *src, int src_type, int64_t b) {
  if (src_type == QS_SRC_F32) {
    const float *p = (const float *)src + b * QS_QK;
    v128_t m = wasm_i32x4_splat(0);
    for (int k = 0; k < 8; k++) m = wasm_u32x4_max(m, wasm_v128_and(wasm_v128_load(p + 4 * k), wasm_i32x4_splat(0x7FFFFFFF)));
    return hmax_u32x4(m);
  }
  const uint16_t *p = (const uint16_t *)src + b * QS_QK;
  v128_t m = wasm_i16x8_splat(0);
  for (int k = 0; k < 4; k++) m = wasm_u16x8_max(m, wasm_v128_and(wasm_v128_load(p + 8 * k), wasm_i16x8_splat(0x7FFF)));
  return hmax_u16x8(m);
}

/* Block b's 32 values as 8 vectors of floats (F16 values must be finite). */
QS_ALWAYS_INLINE void load_finite_floats32(const void *src, int src_type, int64_t b, v128_t *x) {
  if (src_type == QS_SRC_F32) {
    for (int k = 0; k < 8; k++) x[k] = wasm_v128_load((const float *)src + b * QS_QK + 4 * k);
    return;
  }
  const uint16_t *p = (const uint16_t *)src + b * QS_QK;
  for (int k = 0; k < 4; k++) {
    const v128_t h = wasm_v128_load(p + 8 * k);
    x[2 * k] = src_type == QS_SRC_F16 ? qs_finite_half4_to_f32(h, 0) : qs_bf16x4_to_f32(h, 0);
    x[2 * k + 1] = src_type == QS_SRC_F16 ? qs_finite_half4_to_f32(h, 1) : qs_bf16x4_to_f32(h, 1);
  }
}

/* Four blocks at a time: their scales are computed side by side, one block per lane (the same
 * IEEE divisions as the scalar code, lane by lane), then each block is quantized in registers. */
QS_ALWAYS_INLINE void quantize_q8_0_from(const void *src, int src_type, qs_block_q8_0 *y, int64_t nblocks) {
  const uint32_t limit = src_type == QS_SRC_F32 ? 0x7F800000u : src_type == QS_SRC_F16 ? 0x7C00u : 0x7F80u;
  int64_t b = 0;
  for (; b + 4 <= nblocks; b += 4) {
    const v128_t top = wasm_u32x4_make(block_top_bits(src, src_type, b), block_top_bits(src, src_type, b + 1),
                                       block_top_bits(src, src_type, b + 2), block_top_bits(src, src_type, b + 3));
    const v128_t amax = src_type == QS_SRC_F32 ? top
                        : src_type == QS_SRC_F16 ? finite_half_bits_to_f32x4(top)
                        : wasm_i32x4_shl(top, 16);
    const v128_t d = wasm_f32x4_div(amax, wasm_f32x4_splat((1 << 7) - 1));
    const v128_t nonzero = wasm_f32x4_ne(d, wasm_f32x4_splat(0.f));
    /* Inf/NaN blocks and subnormal scales (whose 1/d cannot bound |x|·id by 127.5) take the general path */
    const v128_t general = wasm_v128_or(wasm_u32x4_ge(top, wasm_i32x4_splat((int32_t)limit)),
                                        wasm_v128_and(nonzero, wasm_f32x4_lt(d, wasm_f32x4_splat(0x1.0p-126f))));
    const v128_t id = wasm_v128_and(wasm_f32x4_div(wasm_f32x4_splat(1.0f), d), nonzero);
    uint32_t d_half[4];
    float ids[4];
    wasm_v128_store(d_half, qs_f32x4_to_half(d));
    wasm_v128_store(ids, id);
    const int general_mask = wasm_i32x4_bitmask(general);
    for (int j = 0; j < 4; j++) {
      if (general_mask & (1 << j)) {
        quantize_q8_0_block_widened(src, src_type, b + j, &y[b + j]);
        continue;
      }
      v128_t x[8], q[8];
      load_finite_floats32(src, src_type, b + j, x);
      const v128_t vid = wasm_f32x4_splat(ids[j]);
      y[b + j].d = (qs_half)d_half[j];
      for (int k = 0; k < 8; k++) q[k] = roundf_to_i32x4(wasm_f32x4_mul(x[k], vid));
      wasm_v128_store(y[b + j].qs, qs_pack_i8(q[0], q[1], q[2], q[3]));
      wasm_v128_store(y[b + j].qs + 16, qs_pack_i8(q[4], q[5], q[6], q[7]));
    }
  }
  for (; b < nblocks; b++) quantize_q8_0_block_widened(src, src_type, b, &y[b]);
}

/* Q8_0 from n elements of src_type (F32, F16 or BF16). */
void qs_quantize_q8_0_from(const void *src, int src_type, void *dst, int64_t n) {
  qs_block_q8_0 *y = (qs_block_q8_0 *)dst;
  if (src_type == QS_SRC_F16) quantize_q8_0_from(src, QS_SRC_F16, y, n / QS_QK);
  else if (src_type == QS_SRC_BF16) quantize_q8_0_from(src, QS_SRC_BF16, y, n / QS_QK);
  else quantize_q8_0_from(src, QS_SRC_F32, y, n / QS_QK);
}

/* out[0..15] = (q[k] + bias)·d (+ m when has_min), in the reference's operand order. */
static inline void store_scaled16(float *out, v128_t quants_u8, int bias, float d, int has_min, float m) {
  const v128_t vd = wasm_f32x4_splat(d), vm = wasm_f32x4_splat(m), vbias = wasm_i32x4_splat(bias);
  for (int k = 0; k < 4; k++) {
    const v128_t q = wasm_f32x4_convert_i32x4(wasm_i32x4_add(qs_u8_quarter(quants_u8, k), vbias));
    v128_t v = wasm_f32x4_mul(q, vd);
    if (has_min) v = wasm_f32x4_add(v, vm);
    wasm_v128_store(out + 4 * k, v);
  }
}

void qs_dequantize_q4_0(const void *src, float *out, int64_t n) {
  const qs_block_q4_0 *x = (const qs_block_q4_0 *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) {
    const float d = qs_half_to_f32(x[b].d);
    const v128_t qs = wasm_v128_load(x[b].qs);
    store_scaled16(out, wasm_v128_and(qs, wasm_i8x16_splat(0x0F)), -8, d, 0, 0);
    store_scaled16(out + 16, wasm_u8x16_shr(qs, 4), -8, d, 0, 0);
  }
}

void qs_dequantize_q4_1(const void *src, float *out, int64_t n) {
  const qs_block_q4_1 *x = (const qs_block_q4_1 *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) {
    const float d = qs_half_to_f32(x[b].d), m = qs_half_to_f32(x[b].m);
    const v128_t qs = wasm_v128_load(x[b].qs);
    store_scaled16(out, wasm_v128_and(qs, wasm_i8x16_splat(0x0F)), 0, d, 1, m);
    store_scaled16(out + 16, wasm_u8x16_shr(qs, 4), 0, d, 1, m);
  }
}

/* The 5-bit quants of a Q5 block: low nibbles from qs, bit 4 from qh. */
static inline void five_bit_quants(const uint8_t *qs, const uint8_t *qh_bytes, v128_t *low, v128_t *high) {
  uint32_t qh;
  memcpy(&qh, qh_bytes, 4);
  const v128_t bit4 = wasm_i8x16_splat(0x10);
  const v128_t q = wasm_v128_load(qs);
  *low = wasm_v128_or(wasm_v128_and(q, wasm_i8x16_splat(0x0F)), wasm_v128_and(qs_expand_bits16(qh & 0xFFFF), bit4));
  *high = wasm_v128_or(wasm_u8x16_shr(q, 4), wasm_v128_and(qs_expand_bits16(qh >> 16), bit4));
}

void qs_dequantize_q5_0(const void *src, float *out, int64_t n) {
  const qs_block_q5_0 *x = (const qs_block_q5_0 *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) {
    const float d = qs_half_to_f32(x[b].d);
    v128_t low, high;
    five_bit_quants(x[b].qs, x[b].qh, &low, &high);
    store_scaled16(out, low, -16, d, 0, 0);
    store_scaled16(out + 16, high, -16, d, 0, 0);
  }
}

void qs_dequantize_q5_1(const void *src, float *out, int64_t n) {
  const qs_block_q5_1 *x = (const qs_block_q5_1 *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) {
    const float d = qs_half_to_f32(x[b].d), m = qs_half_to_f32(x[b].m);
    v128_t low, high;
    five_bit_quants(x[b].qs, x[b].qh, &low, &high);
    store_scaled16(out, low, 0, d, 1, m);
    store_scaled16(out + 16, high, 0, d, 1, m);
  }
}

void qs_dequantize_q8_0(const void *src, float *out, int64_t n) {
  const qs_block_q8_0 *x = (const qs_block_q8_0 *)src;
  for (int64_t b = 0; b < n / QS_QK; b++, out += QS_QK) {
    const v128_t vd = wasm_f32x4_splat(qs_half_to_f32(x[b].d));
    for (int half = 0; half < 2; half++) {
      const v128_t q = wasm_v128_load(x[b].qs + 16 * half);
      for (int k = 0; k < 4; k++)
        wasm_v128_store(out + 16 * half + 4 * k, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(qs_i8_quarter(q, k)), vd));
    }
  }
}
