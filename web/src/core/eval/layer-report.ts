// A layer-importance measurement as people read it: the ranking (least influential first), a one-line
// summary with the prune list it suggests, and a JSON form. The CLI prints these; the app exports the JSON.
import type { LayerImportance } from './block-influence.ts';

export interface LayerReport {
  readonly model: string;
  readonly textName: string;
  readonly nCtx: number;
  readonly chunks: number;
  /** the same pass's perplexity of the model */
  readonly ppl: number;
  /** per block, in layer order */
  readonly layers: readonly LayerImportance[];
}

/** Blocks from least to most influential (the order to prune them in). */
export function rankedLayers(r: LayerReport): LayerImportance[] {
  return [...r.layers].sort((a, b) => a.rank - b.rank);
}

export function layerRankingLines(r: LayerReport): string[] {
  const width = String(r.layers.length).length;
  return [
    'rank  block  influence (1 − cos)',
    ...rankedLayers(r).map((b) => `${String(b.rank).padStart(4)}  ${`blk.${b.layer}`.padEnd(5 + width)}  ${b.influence.toFixed(6)}`),
  ];
}

export function layerSummaryLine(r: LayerReport, runInfo: string): string {
  const ranked = rankedLayers(r);
  const least = ranked[0];
  const most = ranked[ranked.length - 1];
  return `${r.model}: ${r.layers.length} blocks, PPL = ${r.ppl.toFixed(4)} over ${runInfo}; least influential blk.${least.layer} (${least.influence.toFixed(6)}),` +
    ` most blk.${most.layer} (${most.influence.toFixed(6)}); to drop the least: --prune-layers ${least.layer}`;
}

export function layerReportJson(r: LayerReport): string {
  return JSON.stringify({
    model: r.model, text: r.textName, n_ctx: r.nCtx, chunks: r.chunks, perplexity: r.ppl,
    measure: 'block influence: mean over the scored tokens of 1 - cos(block input, block output)',
    layers: r.layers.map((b) => ({ layer: b.layer, influence: b.influence, rank: b.rank })),
  }, null, 2) + '\n';
}
