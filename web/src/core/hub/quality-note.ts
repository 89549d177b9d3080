// The model card's quality cell for one output, from the evaluator's figures (the app's Check quality and
// the CLI's --publish-quality write the same words).
export interface QualityFigures {
  readonly ppl: number;
  /** the source's perplexity on the same chunks, and its type name (F16, BF16 …) */
  readonly basePpl: number;
  readonly baseType: string;
  readonly meanKld: number;
  readonly chunks: number;
  readonly nCtx: number;
}

export function qualityNote(f: QualityFigures): string {
  const delta = f.ppl / f.basePpl - 1;
  const sign = delta >= 0 ? '+' : '−';
  return `perplexity ${f.ppl.toFixed(2)} (${sign}${Math.abs(100 * delta).toFixed(2)}% vs ${f.baseType}), mean KLD ${f.meanKld.toPrecision(3)}, ${f.chunks}×${f.nCtx} tokens`;
}
