// Element-wise steps of the evaluator's forward pass that are worth C: SwiGLU (an expf per element of the
// feed-forward width), as ggml's swiglu computes it, silu(g) = g / (1 + e^-g), times up; and GEGLU (Gemma)
// as ggml-cpu computes it with GGML_GELU_FP16: the tanh GELU of the F16-rounded input, itself rounded to F16.
#include <math.h>
#include "quantsmith.h"

QS_EXPORT void qs_eval_swiglu(float *gate, const float *up, int n) {
  for (int i = 0; i < n; i++) {
    const float g = gate[i];
    gate[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

static inline float gelu_tanh(float x) {
  return 0.5f * x * (1.0f + tanhf(0.79788456080286535587989211986876f * x * (1.0f + 0.044715f * x * x)));
}

QS_EXPORT void qs_eval_geglu(float *gate, const float *up, int n) {
  for (int i = 0; i < n; i++) {
    const float g = gate[i];
    float y;
    if (g <= -10.0f) y = 0.0f;
    else if (g >= 10.0f) y = g;
    else y = qs_half_to_f32(qs_f32_to_half(gelu_tanh(qs_half_to_f32(qs_f32_to_half(g)))));
    gate[i] = y * up[i];
  }
}
