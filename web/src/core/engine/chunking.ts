// How a tensor is cut into slabs of rows for the workers: big enough to amortise a message round trip,
// small enough that (slab × slabs in flight) keeps memory bounded whatever the model size.

/** source bytes per slab, aimed at; a slab is always at least one row */
export const DEFAULT_SLAB_BYTES = 4 * 1024 * 1024;

export interface Slab {
  readonly firstRow: number;
  readonly rowCount: number;
}

/**
 * Slabs of whole rows covering `rows` rows of `rowBytes` bytes each. Quantized rows are independent, so any
 * cut is exact; but each expert of a 3-D tensor has its own importance weights, so no slab straddles a
 * multiple of `rowsPerGroup` (the rows of one expert).
 */
export function slabsOf(rows: number, rowBytes: number, slabBytes = DEFAULT_SLAB_BYTES, rowsPerGroup = rows): Slab[] {
  const perSlab = Math.max(1, Math.floor(slabBytes / Math.max(1, rowBytes)));
  const group = Math.max(1, rowsPerGroup);
  const slabs: Slab[] = [];
  for (let first = 0; first < rows;) {
    const groupEnd = Math.min(rows, (Math.floor(first / group) + 1) * group);
    const rowCount = Math.min(perSlab, groupEnd - first);
    slabs.push({ firstRow: first, rowCount });
    first += rowCount;
  }
  return slabs;
}
