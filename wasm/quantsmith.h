// Shared definitions for Quantsmith's quantization kernels: ggml's block layouts, the half-float
// conversions, the rounding helper the k-quants rely on, and the kernel prototypes.
//
// Every kernel reproduces llama.cpp's quantizer (ggml_quantize_chunk, with or without importance
// weights) bit for bit. That only holds if each float operation happens in the same order and with the
// same operands as there, so comments of the form "same order as the reference" are load-bearing:
// reassociating a sum or replacing a division by a reciprocal changes output bytes.
#ifndef QUANTSMITH_H
#define QUANTSMITH_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define QS_EXPORT __attribute__((used, visibility("default")))

#define QS_QK 32     /* elements per block of the legacy and IQ4_NL formats */
#define QS_QK_K 256  /* elements per super-block of the k-quants and IQ4_XS */

/* Values below this magnitude make a block count as all zero (ggml's GROUP_MAX_EPS). */
#define QS_GROUP_EPS 1e-15f

typedef uint16_t qs_half;

/* ---- block layouts (byte-for-byte those of ggml-common.h) ---- */

typedef struct { qs_half d; uint8_t qs[QS_QK / 2]; } qs_block_q4_0;
typedef struct { qs_half d, m; uint8_t qs[QS_QK / 2]; } qs_block_q4_1;
typedef struct { qs_half d; uint8_t qh[4]; uint8_t qs[QS_QK / 2]; } qs_block_q5_0;
typedef struct { qs_half d, m; uint8_t qh[4]; uint8_t qs[QS_QK / 2]; } qs_block_q5_1;
typedef struct { qs_half d; int8_t qs[QS_QK]; } qs_block_q8_0;

typedef struct { uint8_t scales[QS_QK_K / 16]; uint8_t qs[QS_QK_K / 4]; qs_half d, dmin; } qs_block_q2_K;
typedef struct { uint8_t hmask[QS_QK_K / 8]; uint8_t qs[QS_QK_K / 4]; uint8_t scales[12]; qs_half d; } qs_block_q3_K;
typedef struct { qs_half d, dmin; uint8_t scales[12]; uint8_t qs[QS_QK_K / 2]; } qs_block_q4_K;
typedef struct { qs_half d, dmin; uint8_t scales[12]; uint8_t qh[QS_QK_K / 8]; uint8_t qs[QS_QK_K / 2]; } qs_block_q5_K;
typedef struct { uint8_t ql[QS_QK_K / 2]; uint8_t qh[QS_QK_K / 4]; int8_t scales[QS_QK_K / 16]; qs_half d; } qs_block_q6_K;

typedef struct { qs_half d; uint8_t qs[QS_QK / 2]; } qs_block_iq4_nl;
typedef struct { qs_half d; uint16_t scales_h; uint8_t scales_l[QS_QK_K / 64]; uint8_t qs[QS_QK_K / 2]; } qs_block_iq4_xs;

#define QS_QK1_0 128   /* Q1_0 block */
#define QS_QK2_0 64    /* Q2_0 block */
#define QS_QK_NVFP4 64 /* NVFP4 block: four 16-element sub-blocks */
typedef struct { qs_half d; uint8_t qs[QS_QK1_0 / 8]; } qs_block_q1_0;
typedef struct { qs_half d; uint8_t qs[QS_QK2_0 / 4]; } qs_block_q2_0;
typedef struct { uint8_t e; uint8_t qs[QS_QK / 2]; } qs_block_mxfp4;
typedef struct { uint8_t d[QS_QK_NVFP4 / 16]; uint8_t qs[QS_QK_NVFP4 / 2]; } qs_block_nvfp4;
typedef struct { uint8_t qs[(QS_QK_K - 4 * QS_QK_K / 64) / 5]; uint8_t qh[QS_QK_K / 64]; qs_half d; } qs_block_tq1_0;
typedef struct { uint8_t qs[QS_QK_K / 4]; qs_half d; } qs_block_tq2_0;

_Static_assert(sizeof(qs_block_q1_0) == 18, "q1_0 block");
_Static_assert(sizeof(qs_block_q2_0) == 18, "q2_0 block");
_Static_assert(sizeof(qs_block_mxfp4) == 17, "mxfp4 block");
_Static_assert(sizeof(qs_block_nvfp4) == 36, "nvfp4 block");
_Static_assert(sizeof(qs_block_tq1_0) == 54, "tq1_0 block");
_Static_assert(sizeof(qs_block_tq2_0) == 66, "tq2_0 block");
_Static_assert(sizeof(qs_block_q4_0) == 18, "q4_0 block");
_Static_assert(sizeof(qs_block_q4_1) == 20, "q4_1 block");
_Static_assert(sizeof(qs_block_q5_0) == 22, "q5_0 block");
_Static_assert(sizeof(qs_block_q5_1) == 24, "q5_1 block");
_Static_assert(sizeof(qs_block_q8_0) == 34, "q8_0 block");
_Static_assert(sizeof(qs_block_q2_K) == 84, "q2_K block");
_Static_assert(sizeof(qs_block_q3_K) == 110, "q3_K block");
_Static_assert(sizeof(qs_block_q4_K) == 144, "q4_K block");
_Static_assert(sizeof(qs_block_q5_K) == 176, "q5_K block");
_Static_assert(sizeof(qs_block_q6_K) == 210, "q6_K block");
_Static_assert(sizeof(qs_block_iq4_nl) == 18, "iq4_nl block");
_Static_assert(sizeof(qs_block_iq4_xs) == 136, "iq4_xs block");

/* ---- bit casts and half-float conversions ---- */

static inline uint32_t qs_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float qs_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* IEEE half → float, exact. Normal halves are rebased by an exponent offset and a power-of-two
 * multiply; subnormal halves are built as (0.5 + m·2^-24)·… minus 0.5, which is exact in float. */
static inline float qs_half_to_f32(qs_half h) {
  const uint32_t w = (uint32_t)h << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t twice = w + w; /* drops the sign */
  const float normal = qs_bits_f32((twice >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float subnormal = qs_bits_f32((twice >> 17) | (126u << 23)) - 0.5f;
  const uint32_t magnitude = twice < (1u << 27) ? qs_f32_bits(subnormal) : qs_f32_bits(normal);
  return qs_bits_f32(sign | magnitude);
}

/* float → IEEE half, round to nearest even, overflow to infinity, NaN → quiet NaN 0x7E00 (with sign).
 * The float adder does the rounding: adding a power of two whose exponent sits 13 bits above the
 * half's precision leaves exactly the half mantissa (and carries into the exponent when it rounds up). */
static inline qs_half qs_f32_to_half(float f) {
  float magnitude = (__builtin_fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f; /* saturates huge values to inf */
  const uint32_t w = qs_f32_bits(f);
  const uint32_t twice = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = twice & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u; /* below half's normal range: fixed subnormal quantum */
  magnitude = qs_bits_f32((bias >> 1) + 0x07800000u) + magnitude;
  const uint32_t bits = qs_f32_bits(magnitude);
  const uint32_t nonsign = ((bits >> 13) & 0x7C00u) + (bits & 0x0FFFu);
  return (qs_half)((sign >> 16) | (twice > 0xFF000000u ? 0x7E00u : nonsign));
}

/* float → bfloat16, round to nearest even, NaN kept quiet (ggml's reference rounding). */
static inline uint16_t qs_f32_to_bf16(float f) {
  const uint32_t u = qs_f32_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64);
  return (uint16_t)((u + (0x7FFFu + ((u >> 16) & 1))) >> 16);
}

static inline float qs_bf16_to_f32(uint16_t h) { return qs_bits_f32((uint32_t)h << 16); }

/* Round to nearest (ties to even) for |x| < 2^22 by adding 1.5·2^23 and reading the mantissa:
 * this is how the k-quant reference rounds, and it differs from roundf() on ties. */
static inline int qs_nearest_int(float x) {
  const float shifted = x + 12582912.f;
  return (int)(qs_f32_bits(shifted) & 0x007FFFFFu) - 0x00400000;
}

static inline int qs_max_int(int a, int b) { return a > b ? a : b; }
static inline int qs_min_int(int a, int b) { return a < b ? a : b; }

/* ---- kernels ----
 * quantize:   nrows rows of n_per_row floats (n_per_row a multiple of the block size) → blocks, as
 *             ggml's quantize_<type>(src, dst, nrows, n_per_row, quant_weights). quant_weights holds
 *             n_per_row importance weights applied to every row, or is NULL for none. A kernel is
 *             given weights only if its row in type_traits.def says it uses them. Without weights it
 *             may be handed any block-aligned piece of a row as one row (dispatch.c widens F16/BF16
 *             sources that way), so the unweighted paths must not depend on the row length; with
 *             weights it always gets whole rows (ggml's weighted Q4_0…Q5_1 use a per-row variance).
 * dequantize: n/block blocks → n floats */
typedef void (*qs_quantize_fn)(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights);
typedef void (*qs_dequantize_fn)(const void *src, float *dst, int64_t n);

/* How a type's quantizer treats importance weights (the `weights` column of type_traits.def). */
#define QS_WEIGHTS_IGNORED 0  /* ggml ignores them (F32, F16, BF16, Q8_0, …): dropped before the kernel */
#define QS_WEIGHTS_USED 1     /* used when given, the plain path otherwise */
#define QS_WEIGHTS_REQUIRED 2 /* ggml_quantize_requires_imatrix: refused without weights */
#define QS_WEIGHTS_PENDING 3  /* ggml uses them but our weighted path is not written yet: refused with weights */

#define QS_TYPE(name, id, block_size, block_bytes, weights, quantize, dequantize)                      \
  void quantize(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *quant_weights); \
  void dequantize(const void *src, float *dst, int64_t n);
#include "type_traits.def"
#undef QS_TYPE

#endif
