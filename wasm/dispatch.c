// The module's exported surface: the type table (built from type_traits.def), row-level quantize and
// dequantize entry points that dispatch through it, and heap allocation for the JavaScript side.
#include <stdlib.h>
#include "source.h"

typedef struct {
  const char *name;
  int id;
  int block_size;
  int block_bytes;
  int weights; /* QS_WEIGHTS_* */
  qs_quantize_fn quantize;
  qs_dequantize_fn dequantize;
} qs_type_traits;

static const qs_type_traits TYPES[] = {
#define QS_TYPE(name, id, block_size, block_bytes, weights, quantize, dequantize) \
  {#name, id, block_size, block_bytes, weights, quantize, dequantize},
#include "type_traits.def"
#undef QS_TYPE
};

#define TYPE_COUNT ((int)(sizeof(TYPES) / sizeof(TYPES[0])))

enum {
  QS_ERR_UNKNOWN_TYPE = -1,
  QS_ERR_BAD_ROW_LENGTH = -2, /* not a positive multiple of the block size */
  QS_ERR_BAD_SOURCE_TYPE = -3, /* quantize sources must be f32, f16 or bf16 */
  QS_ERR_TOO_LARGE = -4,
  QS_ERR_WEIGHTS_PENDING = -5,  /* importance weights given for a type whose weighted path we lack */
  QS_ERR_WEIGHTS_REQUIRED = -6, /* no importance weights for a type ggml refuses to quantize without */
};

#define GGML_F32 QS_SRC_F32
#define GGML_F16 QS_SRC_F16
#define GGML_BF16 QS_SRC_BF16

#define GGML_Q8_0 8

/* The fused kernel for a destination type, when it has one. */
static qs_quantize_from_fn fused_quantizer(int dst_type) {
  switch (dst_type) {
    case GGML_Q8_0: return qs_quantize_q8_0_from;
    default: return NULL;
  }
}

static const qs_type_traits *find_type(int id) {
  for (int i = 0; i < TYPE_COUNT; i++)
    if (TYPES[i].id == id) return &TYPES[i];
  return NULL;
}

QS_EXPORT int qs_type_count(void) { return TYPE_COUNT; }

/* Writes {ggml id, elements per block, bytes per block, pointer to NUL-terminated name, QS_WEIGHTS_*}
 * to out[0..4]. */
QS_EXPORT int qs_type_info(int index, uint32_t *out) {
  if (index < 0 || index >= TYPE_COUNT) return 0;
  out[0] = (uint32_t)TYPES[index].id;
  out[1] = (uint32_t)TYPES[index].block_size;
  out[2] = (uint32_t)TYPES[index].block_bytes;
  out[3] = (uint32_t)(uintptr_t)TYPES[index].name;
  out[4] = (uint32_t)TYPES[index].weights;
  return 1;
}

/* Bytes of nrows rows of n_per_row elements, or a negative error code. */
static int64_t rows_bytes(const qs_type_traits *t, int nrows, int n_per_row) {
  if (nrows < 0 || n_per_row <= 0 || n_per_row % t->block_size != 0) return QS_ERR_BAD_ROW_LENGTH;
  const int64_t bytes = (int64_t)nrows * (n_per_row / t->block_size) * t->block_bytes;
  return bytes > INT32_MAX ? QS_ERR_TOO_LARGE : bytes;
}

QS_EXPORT int qs_row_bytes(int type, int n_per_row) {
  const qs_type_traits *t = find_type(type);
  return t ? (int)rows_bytes(t, 1, n_per_row) : QS_ERR_UNKNOWN_TYPE;
}

/* Without weights, F16/BF16 sources are widened to F32 (exactly) a chunk at a time. Every quantizer
 * works block by block without weights and the chunk is a multiple of every block size, so chunking
 * cannot change the output; a chunk small enough to stay in the L1 cache keeps the extra pass cheap. */
#define WIDEN_CHUNK 2048
static float widened[WIDEN_CHUNK];

/* With weights, ggml's quantizers may look at whole rows (Q4_0…Q5_1 use the row's variance), so
 * whole rows are widened: as many as fit in WIDEN_CHUNK, or one at a time in a buffer kept for
 * the longest row seen. */
static float *row_buffer;
static int64_t row_buffer_floats;

static float *widen_buffer(int64_t floats) {
  if (floats <= WIDEN_CHUNK) return widened;
  if (floats > row_buffer_floats) {
    free(row_buffer);
    row_buffer = (float *)aligned_alloc(16, (size_t)floats * sizeof(float));
    row_buffer_floats = row_buffer ? floats : 0;
  }
  return row_buffer;
}

static int quantize_widened(const qs_type_traits *out, const uint16_t *in, int src_type, uint8_t *o, int64_t nrows,
                            int64_t n_per_row, const float *quant_weights) {
  const qs_dequantize_fn widen = src_type == GGML_F16 ? qs_dequantize_f16 : qs_dequantize_bf16;
  const int64_t n = nrows * n_per_row;
  if (!quant_weights) {
    for (int64_t done = 0; done < n; done += WIDEN_CHUNK) {
      const int64_t count = n - done < WIDEN_CHUNK ? n - done : WIDEN_CHUNK;
      widen(in + done, widened, count);
      out->quantize(widened, o + done / out->block_size * out->block_bytes, 1, count, NULL);
    }
    return 0;
  }
  const int64_t rows_per_pass = n_per_row < WIDEN_CHUNK ? WIDEN_CHUNK / n_per_row : 1;
  float *buffer = widen_buffer(rows_per_pass * n_per_row);
  if (!buffer) return QS_ERR_TOO_LARGE;
  const int64_t row_bytes = n_per_row / out->block_size * out->block_bytes;
  for (int64_t row = 0; row < nrows; row += rows_per_pass) {
    const int64_t count = nrows - row < rows_per_pass ? nrows - row : rows_per_pass;
    widen(in + row * n_per_row, buffer, count * n_per_row);
    out->quantize(buffer, o + row * row_bytes, count, n_per_row, quant_weights);
  }
  return 0;
}

/* Quantizes nrows × n_per_row source values of src_type (f32, f16 or bf16) into dst_type, as
 * ggml_quantize_chunk(dst_type, …, quant_weights) does: quant_weights holds n_per_row importance
 * weights for every row, or is NULL. Types whose ggml quantizer ignores weights ignore them.
 * Returns the bytes written to dst, or a negative error code. */
QS_EXPORT int qs_quantize_rows(int src_type, const void *src, int dst_type, void *dst, int nrows, int n_per_row,
                               const float *quant_weights) {
  const qs_type_traits *out = find_type(dst_type);
  if (!out) return QS_ERR_UNKNOWN_TYPE;
  const int64_t bytes = rows_bytes(out, nrows, n_per_row);
  if (bytes < 0) return (int)bytes;
  if (src_type != GGML_F32 && src_type != GGML_F16 && src_type != GGML_BF16) return QS_ERR_BAD_SOURCE_TYPE;
  if (out->weights == QS_WEIGHTS_IGNORED) quant_weights = NULL;
  if (out->weights == QS_WEIGHTS_PENDING && quant_weights) return QS_ERR_WEIGHTS_PENDING;
  if (out->weights == QS_WEIGHTS_REQUIRED && !quant_weights) return QS_ERR_WEIGHTS_REQUIRED;
  const int64_t n = (int64_t)nrows * n_per_row;
  const qs_quantize_from_fn fused = quant_weights ? NULL : fused_quantizer(dst_type);
  if (fused) {
    fused(src, src_type, dst, n);
    return (int)bytes;
  }
  if (src_type == GGML_F32) {
    out->quantize((const float *)src, dst, nrows, n_per_row, quant_weights);
    return (int)bytes;
  }
  const int err = quantize_widened(out, (const uint16_t *)src, src_type, (uint8_t *)dst, nrows, n_per_row, quant_weights);
  return err < 0 ? err : (int)bytes;
}

/* Dequantizes nrows × n_per_row values of src_type into F32. Returns the floats written, or a negative error code. */
QS_EXPORT int qs_dequantize_rows(int src_type, const void *src, float *dst, int nrows, int n_per_row) {
  const qs_type_traits *in = find_type(src_type);
  if (!in) return QS_ERR_UNKNOWN_TYPE;
  const int64_t bytes = rows_bytes(in, nrows, n_per_row);
  if (bytes < 0) return (int)bytes;
  const int64_t n = (int64_t)nrows * n_per_row;
  if (n * 4 > INT32_MAX) return QS_ERR_TOO_LARGE;
  in->dequantize(src, dst, n);
  return (int)n;
}

QS_EXPORT void *qs_alloc(size_t bytes) { return aligned_alloc(16, (bytes + 15) & ~(size_t)15); }
QS_EXPORT void qs_free(void *p) { free(p); }
