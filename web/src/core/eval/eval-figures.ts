// The figures llama-perplexity prints, from the per-token scores (tools/perplexity/perplexity.cpp):
// the final perplexity estimate and its "+/-", and with --kl-divergence the KL divergence, Δp and
// same-top statistics of each model against the base.
import type { ChunkScores } from './eval-service.ts';

export interface PerplexityFigure {
  /** exp(mean negative log-likelihood): "Final estimate: PPL" */
  readonly ppl: number;
  /** its "+/-" */
  readonly pplError: number;
  /** scored tokens */
  readonly count: number;
}

/** perplexity(): sums in double over chunks in order, error from the variance of the nll. */
export function perplexityFigure(scores: readonly ChunkScores[], model: number): PerplexityFigure {
  let nll = 0;
  let nll2 = 0;
  let count = 0;
  for (const c of scores) {
    for (const v of c.nll[model]) {
      nll += v;
      nll2 += v * v;
    }
    count += c.nll[model].length;
  }
  const mean = nll / count;
  const ppl = Math.exp(mean);
  const variance = nll2 / count - mean * mean;
  return { ppl, pplError: Math.sqrt(variance / (count - 1)) * ppl, count };
}

export interface KldFigures {
  /** Mean PPL(Q) and PPL(base) of the KLD path (float nll, compressed base) */
  readonly ppl: number;
  readonly pplBase: number;
  /** Mean ln(PPL(Q)/PPL(base)) */
  readonly lnPplRatio: number;
  readonly meanKld: number;
  readonly meanKldError: number;
  readonly medianKld: number;
  readonly p99Kld: number;
  readonly maxKld: number;
  /** fraction of tokens where both models rank the same token first */
  readonly sameTop: number;
  /** mean Δp = p(tok) − p_base(tok), and its RMS */
  readonly meanPDiff: number;
  readonly rmsPDiff: number;
  readonly medianPDiff: number;
  readonly count: number;
}

function meanAndUncertainty(sum: number, sum2: number, count: number): [number, number] {
  if (count < 1) return [0, 0];
  const f = sum / count;
  const df = sum2 / count - f * f;
  return [f, df > 0 && count > 10 ? Math.sqrt(df / (count - 1)) : 0];
}

/** perplexity.cpp's percentile: linear interpolation between sorted values, in float. */
function percentile(sorted: Float32Array, fraction: number): number {
  const f = Math.fround;
  if (fraction <= 0) return sorted[0];
  if (fraction >= 1) return sorted[sorted.length - 1];
  let p = f(fraction * (sorted.length - 1));
  const ip = Math.floor(p);
  p = f(p - ip);
  return f(f(f(1 - p) * sorted[ip]) + f(p * sorted[Math.min(ip + 1, sorted.length - 1)]));
}

function median(sorted: Float32Array): number {
  const n = sorted.length;
  return n % 2 === 0 ? Math.fround(0.5 * Math.fround(sorted[n / 2] + sorted[n / 2 - 1])) : sorted[(n - 1) / 2];
}

/** The KL-divergence statistics of model `output` (1…) against model 0. */
export function kldFigures(scores: readonly ChunkScores[], output: number): KldFigures {
  let sNll = 0, sNll2 = 0, sBase = 0, sBase2 = 0, sKld = 0, sKld2 = 0, sP = 0, sP2 = 0, sP4 = 0, same = 0, count = 0;
  const n = scores.reduce((a, c) => a + c.nll[0].length, 0);
  const klds = new Float32Array(n);
  const pDiffs = new Float32Array(n);
  for (const c of scores) {
    const k = c.kld?.[output - 1];
    if (!k) throw new Error(`no KL divergence scores for model ${output}`);
    for (let i = 0; i < k.kld.length; i++) {
      sNll += k.nll[i];
      sNll2 += Math.fround(k.nll[i] * k.nll[i]);
      sBase += k.nllBase[i];
      sBase2 += Math.fround(k.nllBase[i] * k.nllBase[i]);
      sKld += k.kld[i];
      sKld2 += k.kld[i] * k.kld[i];
      const p = k.pDiff[i];
      sP += p;
      const p2 = Math.fround(p * p);
      sP2 += p2;
      sP4 += p2 * p2;
      same += k.sameTop[i];
      klds[count] = k.kld[i];
      pDiffs[count] = p;
      count++;
    }
  }
  klds.sort();
  pDiffs.sort();
  const [lnPpl] = meanAndUncertainty(sNll, sNll2, count);
  const [lnBase] = meanAndUncertainty(sBase, sBase2, count);
  const [meanKld, meanKldError] = meanAndUncertainty(sKld, sKld2, count);
  const [meanP] = meanAndUncertainty(sP, sP2, count);
  const [mse] = meanAndUncertainty(sP2, sP4, count);
  return {
    ppl: Math.exp(lnPpl),
    pplBase: Math.exp(lnBase),
    lnPplRatio: lnPpl - lnBase,
    meanKld,
    meanKldError,
    medianKld: median(klds),
    p99Kld: percentile(klds, 0.99),
    maxKld: klds[count - 1],
    sameTop: same / count,
    meanPDiff: meanP,
    rmsPDiff: Math.sqrt(mse),
    medianPDiff: median(pDiffs),
    count,
  };
}
