// The evaluator's matrix multiply: y = W·x for a batch of token activations, with W in any type the
// kernels dequantize and x rounded first the way ggml-cpu rounds activations for that weight type
// (its vec_dot_type: F16, BF16, Q8_0/Q8_1 or Q8_K). Rounding the activations is what makes the results
// agree with llama.cpp to the fourth digit; the float sums themselves may be in any order.
//
// W stays in its file type in the heap: a tile of rows is dequantized (by the quantizer's own
// dequantize kernels) into a small scratch, multiplied by every token, and dropped, so the memory of
// one matrix is its file bytes plus one tile.
#include <math.h>
#include <wasm_simd128.h>
#include "quantsmith.h"

/* The kernels' dequantizer (dispatch.c): nrows × n_per_row values of src_type into F32. */
int qs_dequantize_rows(int src_type, const void *src, float *dst, int nrows, int n_per_row);
int qs_row_bytes(int type, int n_per_row);

enum { VDT_F32 = 0, VDT_F16 = 1, VDT_Q8_0 = 8, VDT_Q8_1 = 9, VDT_Q8_K = 15, VDT_BF16 = 30 };

/* x86 quantize_row_q8_0 / q8_1 (AVX2): scale amax/127 kept as F16, values times 127/amax rounded half
 * to even. The dot product then sees q · f16(d). */
static void round_q8_legacy(float *x, int n) {
  for (int b = 0; b + 32 <= n; b += 32) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) {
      const float a = fabsf(x[b + j]);
      amax = a > amax ? a : amax;
    }
    const float d = qs_half_to_f32(qs_f32_to_half(amax / 127.f));
    const float id = amax != 0.0f ? 127.f / amax : 0.0f;
    for (int j = 0; j < 32; j++) {
      float q = nearbyintf(x[b + j] * id);
      q = q > 127.f ? 127.f : (q < -128.f ? -128.f : q);
      x[b + j] = q * d;
    }
  }
}

/* quantize_row_q8_K_ref: the value of largest magnitude (first one wins) maps to -127·sign, scale 1/iscale. */
static void round_q8_k(float *x, int n) {
  for (int b = 0; b + QS_QK_K <= n; b += QS_QK_K) {
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < QS_QK_K; j++) {
      const float ax = fabsf(x[b + j]);
      if (ax > amax) { amax = ax; max = x[b + j]; }
    }
    if (amax == 0.0f) {
      for (int j = 0; j < QS_QK_K; j++) x[b + j] = 0.0f;
      continue;
    }
    const float iscale = -127.f / max;
    const float d = 1 / iscale;
    for (int j = 0; j < QS_QK_K; j++) {
      int v = qs_nearest_int(iscale * x[b + j]);
      v = v > 127 ? 127 : v;
      x[b + j] = d * (float)v;
    }
  }
}

static void round_f16(float *x, int n) {
  for (int i = 0; i < n; i++) x[i] = qs_half_to_f32(qs_f32_to_half(x[i]));
}

/* ggml_compute_fp32_to_bf16: round to nearest even, NaN kept quiet. */
static void round_bf16(float *x, int n) {
  for (int i = 0; i < n; i++) {
    uint32_t u = qs_f32_bits(x[i]);
    if ((u & 0x7fffffffu) > 0x7f800000u) u = (u | 0x00400000u) & 0xffff0000u;
    else u = ((u + (0x7fffu + ((u >> 16) & 1u))) >> 16) << 16;
    x[i] = qs_bits_f32(u);
  }
}

/* Rounds n_rows rows of n_per_row activations in place to what the dot product with a weight of the
 * given vec_dot_type sees. Returns 0, or -1 for an unknown type or a row length off its block size. */
QS_EXPORT int qs_eval_round_activations(int vec_dot_type, float *x, int n_rows, int n_per_row) {
  const int64_t n = (int64_t)n_rows * n_per_row;
  switch (vec_dot_type) {
    case VDT_F32: return 0;
    case VDT_F16: round_f16(x, (int)n); return 0;
    case VDT_BF16: round_bf16(x, (int)n); return 0;
    case VDT_Q8_0:
    case VDT_Q8_1:
      if (n_per_row % 32) return -1;
      round_q8_legacy(x, (int)n);
      return 0;
    case VDT_Q8_K:
      if (n_per_row % QS_QK_K) return -1;
      round_q8_k(x, (int)n);
      return 0;
    default: return -1;
  }
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

/* y[t][o] for 2 weight rows × 4 tokens (n_in a multiple of 4). The 8 accumulators, 4 activation vectors and
 * one weight vector fit x86's 16 SIMD registers; a 4 × 4 tile does not, and the engine's spills to the stack
 * made it a third slower. Each sum is taken in the same order whatever the tile. */
static void dot_2x4(const float *w, const float *x, int n_in, int n_out, float *y) {
  v128_t a00 = wasm_f32x4_splat(0.0f), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
  const float *w0 = w, *w1 = w + n_in;
  const float *x0 = x, *x1 = x + n_in, *x2 = x + 2 * (size_t)n_in, *x3 = x + 3 * (size_t)n_in;
  for (int i = 0; i < n_in; i += 4) {
    const v128_t v0 = wasm_v128_load(x0 + i), v1 = wasm_v128_load(x1 + i), v2 = wasm_v128_load(x2 + i), v3 = wasm_v128_load(x3 + i);
    const v128_t r0 = wasm_v128_load(w0 + i);
    a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(r0, v0));
    a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(r0, v1));
    a02 = wasm_f32x4_add(a02, wasm_f32x4_mul(r0, v2));
    a03 = wasm_f32x4_add(a03, wasm_f32x4_mul(r0, v3));
    const v128_t r1 = wasm_v128_load(w1 + i);
    a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(r1, v0));
    a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(r1, v1));
    a12 = wasm_f32x4_add(a12, wasm_f32x4_mul(r1, v2));
    a13 = wasm_f32x4_add(a13, wasm_f32x4_mul(r1, v3));
  }
  y[0] = hsum(a00), y[1] = hsum(a10);
  y[n_out] = hsum(a01), y[n_out + 1] = hsum(a11);
  y[2 * (size_t)n_out] = hsum(a02), y[2 * (size_t)n_out + 1] = hsum(a12);
  y[3 * (size_t)n_out] = hsum(a03), y[3 * (size_t)n_out + 1] = hsum(a13);
}

static float dot_1x1(const float *w, const float *x, int n_in) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n_in; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(w + i), wasm_v128_load(x + i)));
  float s = hsum(acc);
  for (; i < n_in; i++) s += w[i] * x[i];
  return s;
}

#define TILE_ROWS 32

/* Bytes of scratch qs_eval_matmul needs for rows of n_in elements. */
QS_EXPORT int qs_eval_matmul_scratch_bytes(int n_in) { return TILE_ROWS * n_in * 4; }

/* y (n_tok × n_out, token-major) = W (n_out rows of n_in, ggml type w_type) · x (n_tok × n_in, already
 * rounded). scratch: qs_eval_matmul_scratch_bytes(n_in). Returns 0, or a negative kernel error. */
QS_EXPORT int qs_eval_matmul(int w_type, const uint8_t *w, int n_out, int n_in, const float *x, int n_tok, float *y,
                             float *scratch) {
  const int row_bytes = qs_row_bytes(w_type, n_in);
  if (row_bytes < 0) return row_bytes;
  for (int r0 = 0; r0 < n_out; r0 += TILE_ROWS) {
    const int rows = n_out - r0 < TILE_ROWS ? n_out - r0 : TILE_ROWS;
    const int rc = qs_dequantize_rows(w_type, w + (size_t)r0 * row_bytes, scratch, rows, n_in);
    if (rc < 0) return rc;
    int t = 0;
    if (n_in % 4 == 0) {
      for (; t + 4 <= n_tok; t += 4) {
        int r = 0;
        for (; r + 2 <= rows; r += 2) dot_2x4(scratch + (size_t)r * n_in, x + (size_t)t * n_in, n_in, n_out, y + (size_t)t * n_out + r0 + r);
        for (; r < rows; r++)
          for (int k = 0; k < 4; k++) y[(size_t)(t + k) * n_out + r0 + r] = dot_1x1(scratch + (size_t)r * n_in, x + (size_t)(t + k) * n_in, n_in);
      }
    }
    for (; t < n_tok; t++)
      for (int r = 0; r < rows; r++) y[(size_t)t * n_out + r0 + r] = dot_1x1(scratch + (size_t)r * n_in, x + (size_t)t * n_in, n_in);
  }
  return 0;
}
