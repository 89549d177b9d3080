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
      for (int j = j0; j <= t; j++) {
        float s = dot(qt, k + (size_t)j * kv_stride + (size_t)hk * head_dim, head_dim) * scale;
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
      for (int j = j0; j <= t; j++) axpy(o, v + (size_t)j * kv_stride + (size_t)hk * head_dim, scores[j], head_dim);
      const float inv = 1.0f / sum;
      for (int d = 0; d < head_dim; d++) o[d] *= inv;
    }
  }
  return 0;
}
