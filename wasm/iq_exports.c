// TEMPORARY: direct entry points for the codebook kernels until qs_quantize_rows takes importance
// weights (the `kernels` branch); removed when the IQ types join type_traits.def.
#include "quants_iq.h"

QS_EXPORT int qs_iq_quantize(int type, const float *src, void *dst, int nrows, int n_per_row, const float *qw) {
  switch (type) {
    case 16: qs_quantize_iq2_xxs(src, dst, nrows, n_per_row, qw); return 0;
    case 17: qs_quantize_iq2_xs(src, dst, nrows, n_per_row, qw); return 0;
    case 18: qs_quantize_iq3_xxs(src, dst, nrows, n_per_row, qw); return 0;
    case 19: qs_quantize_iq1_s(src, dst, nrows, n_per_row, qw); return 0;
    case 21: qs_quantize_iq3_s(src, dst, nrows, n_per_row, qw); return 0;
    case 22: qs_quantize_iq2_s(src, dst, nrows, n_per_row, qw); return 0;
    case 29: qs_quantize_iq1_m(src, dst, nrows, n_per_row, qw); return 0;
    default: return -1;
  }
}

QS_EXPORT int qs_iq_dequantize(int type, const void *src, float *dst, int n) {
  switch (type) {
    case 16: qs_dequantize_iq2_xxs(src, dst, n); return 0;
    case 17: qs_dequantize_iq2_xs(src, dst, n); return 0;
    case 18: qs_dequantize_iq3_xxs(src, dst, n); return 0;
    case 19: qs_dequantize_iq1_s(src, dst, n); return 0;
    case 21: qs_dequantize_iq3_s(src, dst, n); return 0;
    case 22: qs_dequantize_iq2_s(src, dst, n); return 0;
    case 29: qs_dequantize_iq1_m(src, dst, n); return 0;
    default: return -1;
  }
}
