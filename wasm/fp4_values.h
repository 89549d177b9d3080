// The 16 E2M1 (FP4) code values of MXFP4 and NVFP4, doubled so that they are integers (the formats'
// scales are halved to match). Data, not derived: ggml's `kvalues_mxfp4` (= `kvalues_fp4`) in
// ggml/src/ggml-common.h of llama.cpp v0.5.0. tests/oracle/kernels-codebooks.test.ts checks every
// code against ggml's own dequantizers.
#ifndef QUANTSMITH_FP4_VALUES_H
#define QUANTSMITH_FP4_VALUES_H

#include <stdint.h>

static const int8_t QS_FP4_VALUES[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

#endif
