#include "quants_iq.h"
#define STUB(name) \
  void qs_quantize_##name(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *qw) { (void)src; (void)dst; (void)nrows; (void)n_per_row; (void)qw; } \
  void qs_dequantize_##name(const void *src, float *dst, int64_t n) { (void)src; (void)dst; (void)n; }
STUB(iq1_s) STUB(iq1_m)
