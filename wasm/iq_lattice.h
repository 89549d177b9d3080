// The search maps of the codebook ("lattice") quants IQ1_S/IQ1_M, IQ2_XXS/IQ2_XS/IQ2_S and
// IQ3_XXS/IQ3_S, built on first use from the grids in wasm/grids/ exactly as ggml's iq2xs_init_impl
// and iq3xs_init_impl build theirs:
//  - points: each grid entry as lattice coordinates 2·level + 1 (level = the element's rank among the
//    grid's values), 8 per entry for the 2-bit/1-bit grids, 4 for the 3-bit grids;
//  - map: for a packed key (levels, 2 or 3 bits per element) the grid index when the key is a grid
//    point, otherwise -(offset + 1) of its neighbour list;
//  - neighbours: per off-grid key, a count then the grid indices at the `nwant` smallest distinct
//    squared distances, ordered by (distance, index) as ggml's qsort leaves them.
// WASM memory is per instance (one per worker), so each worker builds its own maps once.
#ifndef QUANTSMITH_IQ_LATTICE_H
#define QUANTSMITH_IQ_LATTICE_H

#include <stdint.h>

typedef enum {
  QS_LATTICE_IQ2XXS,
  QS_LATTICE_IQ2XS,
  QS_LATTICE_IQ2S,
  QS_LATTICE_IQ1S, /* shared by IQ1_S and IQ1_M */
  QS_LATTICE_IQ3XXS,
  QS_LATTICE_IQ3S,
  QS_LATTICE_COUNT
} qs_lattice_id;

typedef struct {
  int grid_size;
  int dims;              /* 8 or 4 elements per grid entry */
  const int8_t *points;  /* grid_size × dims coordinates 2·level + 1 */
  const float *fpoints;  /* the same as floats, for the vector distance loops */
  const int32_t *map;    /* key → grid index, or -(offset + 1) into neighbours */
  const uint16_t *neighbours;
  /* 4-element lattices only (NULL otherwise): each off-grid key's neighbour coordinates as floats in
   * blocks of four neighbours, [block][element][neighbour] (NaN past the list's end), starting at
   * packed + packed_at[key] */
  const float *packed;
  const int32_t *packed_at;
} qs_lattice;

/* The lattice, built on first call (NULL only if memory runs out). */
const qs_lattice *qs_lattice_get(qs_lattice_id id);

/* The neighbour list of an off-grid key: list[0] = count, list[1..count] = grid indices. */
static inline const uint16_t *qs_lattice_neighbours(const qs_lattice *lat, int32_t map_value) {
  return lat->neighbours - map_value - 1;
}

#endif
