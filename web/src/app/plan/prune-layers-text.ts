// The prune list as a person types it in the Advanced panel ("1, 3") and as the layer-importance chart
// sets it: block numbers checked against the open model's block count, one line saying what is wrong.
// (llama-quantize accepts a block past the last and ignores it; the page refuses it, as it is a typo.)

export type PruneText = { readonly layers: number[] } | { readonly error: string };

/** The canonical text of a prune list: ascending, comma-separated, e.g. "1,3". */
export function pruneListText(layers: readonly number[]): string {
  return [...layers].sort((a, b) => a - b).join(',');
}

/** Parses L0,L1,…; `blockCount` undefined when no model is open (then only the form is checked). */
export function parsePruneText(text: string, blockCount?: number): PruneText {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 1 && parts[0] === '') return { layers: [] };
  const layers: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return { error: `'${p}' is not a block number: write block numbers separated by commas, e.g. 1,3` };
    const n = Number(p);
    if (blockCount !== undefined && n >= blockCount) {
      return { error: `block ${n} is past the last one: this model has ${blockCount} blocks, 0 to ${blockCount - 1}` };
    }
    if (!layers.includes(n)) layers.push(n);
  }
  if (blockCount !== undefined && layers.length >= blockCount) return { error: `pruning all ${blockCount} blocks leaves no model` };
  return { layers: layers.sort((a, b) => a - b) };
}

/** The list with `layer` added, or removed if it was there. */
export function toggleLayer(layers: readonly number[], layer: number): number[] {
  return layers.includes(layer) ? layers.filter((l) => l !== layer) : [...layers, layer].sort((a, b) => a - b);
}
