// Builds the codebook search maps (see iq_lattice.h). ggml sorts every off-grid key's (distance, index)
// pairs with qsort and keeps the leading run of `nwant` distinct distances; this produces the same
// lists without sorting: distances are small integers, so find the nwant smallest distinct values and
// emit, distance by distance, the grid indices at that distance in increasing order.
#include <stdlib.h>
#include <wasm_simd128.h>
#include "iq_lattice.h"
#include "grids/iq1s_grid.h"
#include "grids/iq2s_grid.h"
#include "grids/iq2xs_grid.h"
#include "grids/iq2xxs_grid.h"
#include "grids/iq3s_grid.h"
#include "grids/iq3xxs_grid.h"

typedef struct {
  int grid_size;
  int dims;
  int nwant;
  const uint64_t *grid64; /* 8 bytes per entry, or */
  const uint32_t *grid32; /* 4 bytes per entry */
  int is_signed;
  const void *levels;
  int level_count;
} lattice_source;

static const lattice_source SOURCES[QS_LATTICE_COUNT] = {
  [QS_LATTICE_IQ2XXS] = {QS_IQ2XXS_GRID_SIZE, 8, 2, qs_iq2xxs_grid, 0, 0, qs_iq2xxs_grid_levels, 3},
  [QS_LATTICE_IQ2XS] = {QS_IQ2XS_GRID_SIZE, 8, 2, qs_iq2xs_grid, 0, 0, qs_iq2xs_grid_levels, 3},
  [QS_LATTICE_IQ2S] = {QS_IQ2S_GRID_SIZE, 8, 1, qs_iq2s_grid, 0, 0, qs_iq2s_grid_levels, 3},
  [QS_LATTICE_IQ1S] = {QS_IQ1S_GRID_SIZE, 8, 3, qs_iq1s_grid, 0, 1, qs_iq1s_grid_levels, 3},
  [QS_LATTICE_IQ3XXS] = {QS_IQ3XXS_GRID_SIZE, 4, 2, 0, qs_iq3xxs_grid, 0, qs_iq3xxs_grid_levels, 8},
  [QS_LATTICE_IQ3S] = {QS_IQ3S_GRID_SIZE, 4, 3, 0, qs_iq3s_grid, 0, qs_iq3s_grid_levels, 8},
};

static qs_lattice built[QS_LATTICE_COUNT];

static int level_of(const lattice_source *s, int byte) {
  for (int r = 0; r < s->level_count; r++) {
    const int v = s->is_signed ? ((const int8_t *)s->levels)[r] : ((const uint8_t *)s->levels)[r];
    if (v == (s->is_signed ? (int8_t)byte : byte)) return r;
  }
  return -1; /* cannot happen: the generator derived the levels from these grids */
}

/* Growable neighbour storage. */
typedef struct {
  uint16_t *data;
  int size, capacity;
} u16_list;

static int push(u16_list *l, uint16_t v) {
  if (l->size == l->capacity) {
    const int capacity = l->capacity ? 2 * l->capacity : 1 << 16;
    uint16_t *data = realloc(l->data, (size_t)capacity * sizeof(uint16_t));
    if (!data) return 0;
    l->data = data;
    l->capacity = capacity;
  }
  l->data[l->size++] = v;
  return 1;
}

/* The packed neighbour coordinates of a 4-element lattice (see iq_lattice.h). */
static int pack_neighbours(const int32_t *map, int map_size, const uint16_t *neighbours, const int8_t *points, float **packed_out,
                           int32_t **at_out) {
  int32_t *at = malloc((size_t)map_size * sizeof(int32_t));
  size_t floats = 0;
  if (!at) return 0;
  for (int key = 0; key < map_size; key++) {
    at[key] = -1;
    if (map[key] < 0) floats += (size_t)((neighbours[-map[key] - 1] + 3) / 4) * 16;
  }
  float *packed = aligned_alloc(16, floats * sizeof(float) + 16);
  if (!packed) {
    free(at);
    return 0;
  }
  size_t used = 0;
  for (int key = 0; key < map_size; key++) {
    if (map[key] >= 0) continue;
    const uint16_t *list = neighbours - map[key] - 1;
    at[key] = (int32_t)used;
    for (int b = 0; b < (list[0] + 3) / 4; b++)
      for (int i = 0; i < 4; i++)
        for (int l = 0; l < 4; l++) {
          const int j = 4 * b + l;
          packed[used++] = j < list[0] ? (float)points[4 * list[1 + j] + i] : __builtin_nanf("");
        }
  }
  *packed_out = packed;
  *at_out = at;
  return 1;
}

static int build(qs_lattice_id id, qs_lattice *out) {
  const lattice_source *s = &SOURCES[id];
  const int n = s->grid_size, dims = s->dims, bits = dims == 8 ? 2 : 3;
  const int map_size = dims == 8 ? 43692 : 4096; /* ggml's kmap_size: keys of levels 0..2 (2-bit) / 0..7 (3-bit) */
  int8_t *points = malloc((size_t)n * dims);
  float *fpoints = aligned_alloc(16, (size_t)n * dims * sizeof(float));
  int32_t *map = malloc((size_t)map_size * sizeof(int32_t));
  /* coordinates transposed and padded to a multiple of 8 entries, for the distance loop */
  const int padded = (n + 7) & ~7;
  int16_t *by_dim = malloc((size_t)padded * dims * sizeof(int16_t));
  uint16_t *dist = malloc((size_t)padded * sizeof(uint16_t));
  u16_list neighbours = {0, 0, 0};
  if (!points || !fpoints || !map || !by_dim || !dist) goto fail;

  for (int i = 0; i < map_size; i++) map[i] = -1;
  for (int k = 0; k < n; k++) {
    const uint64_t entry = s->grid64 ? s->grid64[k] : s->grid32[k];
    int key = 0;
    for (int i = 0; i < dims; i++) {
      const int level = level_of(s, (int)((entry >> (8 * i)) & 0xFF));
      points[k * dims + i] = (int8_t)(2 * level + 1);
      fpoints[k * dims + i] = (float)(2 * level + 1);
      by_dim[i * padded + k] = (int16_t)(2 * level + 1);
      key |= level << (bits * i);
    }
    map[key] = k;
  }
  for (int i = 0; i < dims; i++)
    for (int k = n; k < padded; k++) by_dim[i * padded + k] = 64; /* farther than any grid point, and 8·63² fits an i16 */

  for (int key = 0; key < map_size; key++) {
    if (map[key] >= 0) continue;
    /* squared distances from the key's point to every grid point */
    for (int j = 0; j < padded; j += 8) {
      v128_t d2 = wasm_i16x8_splat(0);
      for (int i = 0; i < dims; i++) {
        const int16_t pos = (int16_t)(2 * ((key >> (bits * i)) & ((1 << bits) - 1)) + 1);
        const v128_t diff = wasm_i16x8_sub(wasm_v128_load(by_dim + i * padded + j), wasm_i16x8_splat(pos));
        d2 = wasm_i16x8_add(d2, wasm_i16x8_mul(diff, diff));
      }
      wasm_v128_store(dist + j, d2);
    }
    /* the nwant smallest distinct distances */
    int wanted[3], nhave = 0;
    for (int w = 0; w < s->nwant; w++) {
      const v128_t floor = wasm_i16x8_splat((int16_t)(w ? wanted[w - 1] : -1));
      v128_t best = wasm_i16x8_splat(0x7FFF);
      for (int j = 0; j < padded; j += 8) {
        const v128_t d = wasm_v128_load(dist + j);
        best = wasm_i16x8_min(best, wasm_v128_bitselect(d, wasm_i16x8_splat(0x7FFF), wasm_i16x8_gt(d, floor)));
      }
      int16_t lanes[8];
      wasm_v128_store(lanes, best);
      int m = 0x7FFF;
      for (int l = 0; l < 8; l++) m = lanes[l] < m ? lanes[l] : m;
      if (m == 0x7FFF) break;
      wanted[nhave++] = m;
    }
    map[key] = -(neighbours.size + 1);
    const int count_at = neighbours.size;
    if (!push(&neighbours, 0)) goto fail;
    for (int w = 0; w < nhave; w++) {
      const v128_t target = wasm_i16x8_splat((int16_t)wanted[w]);
      for (int j = 0; j < padded; j += 8) {
        unsigned hits = (unsigned)wasm_i16x8_bitmask(wasm_i16x8_eq(wasm_v128_load(dist + j), target));
        while (hits) {
          if (!push(&neighbours, (uint16_t)(j + __builtin_ctz(hits)))) goto fail;
          hits &= hits - 1;
        }
      }
    }
    neighbours.data[count_at] = (uint16_t)(neighbours.size - count_at - 1);
  }
  free(by_dim);
  free(dist);
  float *packed = NULL;
  int32_t *packed_at = NULL;
  if (dims == 4 && !pack_neighbours(map, map_size, neighbours.data, points, &packed, &packed_at)) goto fail;
  *out = (qs_lattice){n, dims, points, fpoints, map, neighbours.data, packed, packed_at};
  return 1;

fail:
  free(points);
  free(fpoints);
  free(map);
  free(by_dim);
  free(dist);
  free(neighbours.data);
  return 0;
}

const qs_lattice *qs_lattice_get(qs_lattice_id id) {
  if ((unsigned)id >= QS_LATTICE_COUNT) return 0;
  qs_lattice *lat = &built[id];
  if (!lat->points && !build(id, lat)) return 0;
  return lat;
}
