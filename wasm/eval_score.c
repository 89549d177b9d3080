// Per-token figures from rows of logits, as tools/perplexity/perplexity.cpp computes them (the same float
// and double steps; web/src/core/eval/token-scores.ts is the same in TypeScript and the reference for
// the tests): −log p of the next token, the 16-bit compression of a base distribution that a
// --kl-divergence-base file stores, and the KL divergence / Δp / same-top of a row against that base.
#include <math.h>
#include "quantsmith.h"

/* log_softmax for the perplexity figure: float max and differences, expf summed in double. */
QS_EXPORT double qs_eval_nll(const float *x, int n, int tok) {
  float max = x[0];
  for (int i = 1; i < n; i++) max = x[i] > max ? x[i] : max;
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += expf(x[i] - max);
  return -((double)(x[tok] - max) - log(sum));
}

/* The base file's form of one row: out[0] = scale, out[1] = min log-prob, q[i] 16-bit levels. */
QS_EXPORT void qs_eval_compress(const float *x, int n, uint16_t *q, float *out) {
  float max = x[0], min = x[0];
  for (int i = 1; i < n; i++) {
    max = x[i] > max ? x[i] : max;
    min = x[i] < min ? x[i] : min;
  }
  min = min > max - 16 ? min : max - 16;
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += expf(x[i] - max);
  const float log_sum_exp = (float)log(sum);
  out[1] = min - max - log_sum_exp;
  const float scale = (max - min) / 65535.f;
  out[0] = scale;
  if (scale) {
    const float inv = 1 / scale;
    for (int i = 0; i < n; i++) q[i] = x[i] > min ? (uint16_t)qs_nearest_int(inv * (x[i] - min)) : 0;
  } else {
    for (int i = 0; i < n; i++) q[i] = 0;
  }
}

/* KL divergence of row x from the compressed base; out = {p − p_base, same top (0/1), nll, nll_base}. */
QS_EXPORT double qs_eval_kld(const float *x, int n, const uint16_t *q, float scale, float min_log_prob, int tok, float *out) {
  float max = x[0];
  int imax = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > max) { max = x[i]; imax = i; }
  double sum_exp = 0.0;
  for (int i = 0; i < n; i++) sum_exp += expf(x[i] - max);
  const float log_sum_exp = (float)log(sum_exp);
  const float nll = max + log_sum_exp - x[tok];
  const float nll_base = -(scale * q[tok] + min_log_prob);
  const float shifted = max + log_sum_exp;
  double sum = 0.0;
  int imax_base = -1;
  float p_log_base_max = 0;
  for (int i = 0; i < n; i++) {
    const float p_log_base = scale * q[i] + min_log_prob;
    if (i == 0 || p_log_base > p_log_base_max) { p_log_base_max = p_log_base; imax_base = i; }
    if (p_log_base > -16.f) {
      const float p_base = expf(p_log_base);
      sum += p_base * (p_log_base - x[i] + shifted);
    }
  }
  out[0] = expf(-nll) - expf(-nll_base);
  out[1] = imax == imax_base ? 1.0f : 0.0f;
  out[2] = nll;
  out[3] = nll_base;
  return sum;
}
