// Layer importance for depth pruning: ShortGPT's Block Influence (Men et al. 2024, "ShortGPT: Layers in
// Large Language Models are More Redundant Than You Expect"). A block that barely turns the token states
// it is given (output nearly parallel to input) changes the text little, and is the first to prune.
//
// Exactly what is averaged: for block i, the hidden state x_t entering the block (the residual stream
// after block i−1, or the token embeddings for block 0) and the state y_t leaving it (after both residual
// additions), for every scored token t — positions n_ctx/2 … n_ctx−2 of every chunk, the positions whose
// next-token logits llama-perplexity scores. BI_i = mean over those tokens of 1 − (x_t·y_t) / (‖x_t‖‖y_t‖),
// each term and the sum in double. The states are the evaluator's F32 states, before any norm.

/** One block's sum of 1 − cos over the scored tokens one worker holds, and how many tokens it summed. */
export interface BlockInfluencePart {
  readonly layer: number;
  readonly sum: number;
  readonly count: number;
}

/** 1 − cos(x_t, y_t) summed over rows [first, last) of nEmbd-wide states. */
export function influenceSum(x: Float32Array, y: Float32Array, nEmbd: number, first: number, last: number): number {
  let sum = 0;
  for (let t = first; t < last; t++) {
    let dot = 0;
    let xx = 0;
    let yy = 0;
    for (let j = t * nEmbd, end = j + nEmbd; j < end; j++) {
      dot += x[j] * y[j];
      xx += x[j] * x[j];
      yy += y[j] * y[j];
    }
    const norm = Math.sqrt(xx) * Math.sqrt(yy);
    // a zero state has no direction: it is left as it came (cos 1) only when both are zero
    sum += 1 - (norm > 0 ? dot / norm : xx === yy ? 1 : 0);
  }
  return sum;
}

export interface LayerImportance {
  readonly layer: number;
  /** the Block Influence: mean 1 − cos over the scored tokens (0: the block changes nothing) */
  readonly influence: number;
  /** 1 for the least influential block (the first to prune), up to the block count */
  readonly rank: number;
}

/** Adds the workers' parts block by block; per block in layer order, with each block's rank. */
export function layerImportance(parts: readonly BlockInfluencePart[], nLayer: number): LayerImportance[] {
  const sums = new Float64Array(nLayer);
  const counts = new Float64Array(nLayer);
  for (const p of parts) {
    sums[p.layer] += p.sum;
    counts[p.layer] += p.count;
  }
  const influence = Array.from(sums, (s, l) => (counts[l] > 0 ? s / counts[l] : NaN));
  // ties keep layer order: the earlier block ranks first
  const order = influence.map((v, l) => ({ v, l })).sort((a, b) => a.v - b.v || a.l - b.l);
  const rank = new Array<number>(nLayer);
  order.forEach((o, i) => (rank[o.l] = i + 1));
  return influence.map((v, layer) => ({ layer, influence: v, rank: rank[layer] }));
}

/** The `n` least influential blocks, ascending by number: the prune list they suggest. */
export function leastInfluential(importance: readonly LayerImportance[], n: number): number[] {
  return importance.filter((b) => b.rank <= n).map((b) => b.layer).sort((a, b) => a - b);
}
