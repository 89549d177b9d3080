// How a tensor is cut into slabs of rows for the workers: big enough to amortise a message round trip,
// small enough that (slab × slabs in flight) keeps memory bounded whatever the model size.

/** source bytes per slab, aimed at; a slab is always at least one row */
export const DEFAULT_SLAB_BYTES = 4 * 1024 * 1024;

export interface Slab {
  readonly firstRow: number;
  readonly rowCount: number;
}

/** Slabs of whole rows covering `rows` rows of `rowBytes` bytes each. Quantized rows are independent, so any cut is exact. */
export function slabsOf(rows: number, rowBytes: number, slabBytes = DEFAULT_SLAB_BYTES): Slab[] {
  const perSlab = Math.max(1, Math.floor(slabBytes / Math.max(1, rowBytes)));
  const slabs: Slab[] = [];
  for (let first = 0; first < rows; first += perSlab) slabs.push({ firstRow: first, rowCount: Math.min(perSlab, rows - first) });
  return slabs;
}
