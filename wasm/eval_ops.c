// Element-wise steps of the evaluator's forward pass that are worth C: SwiGLU (an expf per element of the
// feed-forward width), as ggml's swiglu computes it, silu(g) = g / (1 + e^-g), times up.
#include <math.h>
#include "quantsmith.h"

QS_EXPORT void qs_eval_swiglu(float *gate, const float *up, int n) {
  for (int i = 0; i < n; i++) {
    const float g = gate[i];
    gate[i] = g / (1.0f + expf(-g)) * up[i];
  }
}
