// The evaluator's causal self-attention over one sequence, as llama.cpp's CPU flash attention computes
// it for a batch (ggml_compute_forward_flash_attn_ext_tiled): queries in F32, keys and values read from
// an F16 cache (so rounded to F16), scores scaled (and soft-capped, for Gemma 2), masked to earlier positions
// (and to a sliding window, for Gemma's windowed layers), softmax in F32.
#include <math.h>
#include <wasm_simd128.h>
#include "quantsmith.h"

static inline float dot(const float *a, const float *b, int n) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  float s = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) +
            wasm_f32x4_extract_lane(acc, 3);
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

/* The dot products of a with 4 rows b0..b3, each summed in the same order as dot(). */
static inline void dot4(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, int n, float *s) {
  v128_t c0 = wasm_f32x4_splat(0.0f), c1 = c0, c2 = c0, c3 = c0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t av = wasm_v128_load(a + i);
    c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(av, wasm_v128_load(b0 + i)));
    c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(av, wasm_v128_load(b1 + i)));
    c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(av, wasm_v128_load(b2 + i)));
    c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(av, wasm_v128_load(b3 + i)));
  }
  const v128_t c[4] = {c0, c1, c2, c3};
  const float *b[4] = {b0, b1, b2, b3};
  for (int k = 0; k < 4; k++) {
    float t = wasm_f32x4_extract_lane(c[k], 0) + wasm_f32x4_extract_lane(c[k], 1) + wasm_f32x4_extract_lane(c[k], 2) +
              wasm_f32x4_extract_lane(c[k], 3);
    for (int j = i; j < n; j++) t += a[j] * b[k][j];
    s[k] = t;
  }
}

/* y += x0·a0, then x1·a1, x2·a2, x3·a3: the order of four axpy() calls, with y loaded and stored once. */
static inline void axpy4(float *y, const float *x0, const float *x1, const float *x2, const float *x3, const float *a, int n) {
  const v128_t a0 = wasm_f32x4_splat(a[0]), a1 = wasm_f32x4_splat(a[1]), a2 = wasm_f32x4_splat(a[2]), a3 = wasm_f32x4_splat(a[3]);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t yv = wasm_v128_load(y + i);
    yv = wasm_f32x4_add(yv, wasm_f32x4_mul(wasm_v128_load(x0 + i), a0));
    yv = wasm_f32x4_add(yv, wasm_f32x4_mul(wasm_v128_load(x1 + i), a1));
    yv = wasm_f32x4_add(yv, wasm_f32x4_mul(wasm_v128_load(x2 + i), a2));
    yv = wasm_f32x4_add(yv, wasm_f32x4_mul(wasm_v128_load(x3 + i), a3));
    wasm_v128_store(y + i, yv);
  }
  for (; i < n; i++) y[i] = (((y[i] + x0[i] * a[0]) + x1[i] * a[1]) + x2[i] * a[2]) + x3[i] * a[3];
}

static inline void axpy(float *y, const float *x, float a, int n) {
  const v128_t av = wasm_f32x4_splat(a);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(wasm_v128_load(x + i), av)));
  for (; i < n; i++) y[i] += x[i] * a;
}

/* Bytes of scratch qs_eval_attention needs for n_tok tokens. */
QS_EXPORT int qs_eval_attention_scratch_bytes(int n_tok) { return n_tok * 4; }

/* out[t][h·head_dim + d] = softmax_j≤t(scale · q[t][h]·k[j][h/g]) · v[j][h/g], g = n_head / n_head_kv.
 * q: n_tok × n_head × head_dim; k, v: n_tok × n_head_kv × head_dim, rounded to F16 in place (the cache).
 * softcap > 0: a score s becomes softcap · tanh(s) with the scale divided by softcap first, as
 * ggml_flash_attn_ext does; window > 0: only positions j > t − window are seen. */
QS_EXPORT int qs_eval_attention(const float *q, float *k, float *v, int n_tok, int n_head, int n_head_kv, int head_dim,
                                float scale, float softcap, int window, float *out, float *scores) {
  if (n_head_kv <= 0 || n_head % n_head_kv) return -1;
  const int group = n_head / n_head_kv;
  const int64_t kv_len = (int64_t)n_tok * n_head_kv * head_dim;
  for (int64_t i = 0; i < kv_len; i++) {
    k[i] = qs_half_to_f32(qs_f32_to_half(k[i]));
    v[i] = qs_half_to_f32(qs_f32_to_half(v[i]));
  }
  if (softcap != 0.0f) scale /= softcap;
  const int q_stride = n_head * head_dim, kv_stride = n_head_kv * head_dim;
  for (int h = 0; h < n_head; h++) {
    const int hk = h / group;
    for (int t = 0; t < n_tok; t++) {
      const float *qt = q + (size_t)t * q_stride + (size_t)h * head_dim;
      const int j0 = window > 0 && t - window + 1 > 0 ? t - window + 1 : 0;
      float m = -INFINITY;
      const float *kh = k + (size_t)hk * head_dim;
      int j4 = j0;
      for (; j4 + 4 <= t + 1; j4 += 4) {
        const float *kj = kh + (size_t)j4 * kv_stride;
        dot4(qt, kj, kj + kv_stride, kj + 2 * (size_t)kv_stride, kj + 3 * (size_t)kv_stride, head_dim, scores + j4);
      }
      for (int j = j4; j <= t; j++) scores[j] = dot(qt, kh + (size_t)j * kv_stride, head_dim);
      for (int j = j0; j <= t; j++) {
        float s = scores[j] * scale;
        if (softcap != 0.0f) s = softcap * tanhf(s);
        scores[j] = s;
        m = s > m ? s : m;
      }
      float sum = 0.0f;
      for (int j = j0; j <= t; j++) {
        scores[j] = expf(scores[j] - m);
        sum += scores[j];
      }
      float *o = out + (size_t)t * q_stride + (size_t)h * head_dim;
      for (int d = 0; d < head_dim; d++) o[d] = 0.0f;
      const float *vh = v + (size_t)hk * head_dim;
      int jv = j0;
      for (; jv + 4 <= t + 1; jv += 4) {
        const float *vj = vh + (size_t)jv * kv_stride;
        axpy4(o, vj, vj + kv_stride, vj + 2 * (size_t)kv_stride, vj + 3 * (size_t)kv_stride, scores + jv, head_dim);
      }
      for (int j = jv; j <= t; j++) axpy(o, vh + (size_t)j * kv_stride, scores[j], head_dim);
      const float inv = 1.0f / sum;
      for (int d = 0; d < head_dim; d++) o[d] *= inv;
    }
  }
  return 0;
}
