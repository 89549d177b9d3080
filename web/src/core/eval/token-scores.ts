// Per-token figures from logits, as tools/perplexity/perplexity.cpp computes them: the negative
// log-likelihood of the next token, and against a base model the KL divergence, Δp and whether both rank
// the same token first. The base model's distribution goes through the same 16-bit compression as the
// --kl-divergence-base file, so the figures are llama-perplexity's, not an idealised version of them.
const f = Math.fround;

/** perplexity.cpp's log_softmax for the perplexity figure: -log p(tok), exps in float summed in double. */
export function negLogLikelihood(logits: Float32Array, off: number, nVocab: number, tok: number): number {
  let max = logits[off];
  for (let i = 1; i < nVocab; i++) if (logits[off + i] > max) max = logits[off + i];
  let sumExp = 0;
  for (let i = 0; i < nVocab; i++) sumExp += f(Math.exp(f(logits[off + i] - max)));
  return -(f(logits[off + tok] - max) - Math.log(sumExp));
}

/** One token's base distribution as the KL-divergence base file stores it: log p = scale · q + minLogProb. */
export interface CompressedLogProbs {
  scale: number;
  minLogProb: number;
  q: Uint16Array;
}

/** ggml's nearest_int (float add of 1.5·2²³), as perplexity.cpp uses it. */
function nearestInt(x: number): number {
  const buf = new Float32Array([f(x + 12582912)]);
  return (new Int32Array(buf.buffer)[0] & 0x007fffff) - 0x00400000;
}

/** Compresses one row of base logits into `into` (reused across tokens). */
export function compressLogProbs(logits: Float32Array, off: number, nVocab: number, into: CompressedLogProbs): void {
  let max = logits[off];
  let min = logits[off];
  for (let i = 1; i < nVocab; i++) {
    const v = logits[off + i];
    if (v > max) max = v;
    if (v < min) min = v;
  }
  min = Math.max(min, f(max - 16));
  let sumExp = 0;
  for (let i = 0; i < nVocab; i++) sumExp += f(Math.exp(f(logits[off + i] - max)));
  const logSumExp = f(Math.log(sumExp));
  into.minLogProb = f(f(min - max) - logSumExp);
  const scale = f(f(max - min) / 65535);
  into.scale = scale;
  if (scale) {
    const inv = f(1 / scale);
    for (let i = 0; i < nVocab; i++) {
      const v = logits[off + i];
      into.q[i] = v > min ? nearestInt(f(inv * f(v - min))) : 0;
    }
  } else {
    into.q.fill(0);
  }
}

export interface KldToken {
  /** KL divergence of this model's distribution from the base's */
  kld: number;
  /** p(tok) − p_base(tok) */
  pDiff: number;
  sameTop: boolean;
  /** −log p(tok), in float as the KLD path computes it */
  nll: number;
  /** −log p_base(tok) from the compressed base */
  nllBase: number;
}

/** perplexity.cpp's log_softmax(n_vocab, logits, base_log_prob, tok, kld) for one token. */
export function kldToken(logits: Float32Array, off: number, nVocab: number, base: CompressedLogProbs, tok: number): KldToken {
  let max = logits[off];
  let imax = 0;
  for (let i = 1; i < nVocab; i++) {
    if (logits[off + i] > max) {
      max = logits[off + i];
      imax = i;
    }
  }
  let sumExp = 0;
  for (let i = 0; i < nVocab; i++) sumExp += f(Math.exp(f(logits[off + i] - max)));
  const logSumExp = f(Math.log(sumExp));
  const { scale, minLogProb, q } = base;
  const nll = f(f(max + logSumExp) - logits[off + tok]);
  const nllBase = f(-f(f(scale * q[tok]) + minLogProb));
  const shifted = f(max + logSumExp);
  let sum = 0;
  let imaxBase = -1;
  let pLogBaseMax = 0;
  for (let i = 0; i < nVocab; i++) {
    const pLogBase = f(f(scale * q[i]) + minLogProb);
    if (i === 0 || pLogBase > pLogBaseMax) {
      pLogBaseMax = pLogBase;
      imaxBase = i;
    }
    if (pLogBase > -16) {
      const pBase = f(Math.exp(pLogBase));
      sum += f(pBase * f(f(pLogBase - logits[off + i]) + shifted));
    }
  }
  const pBase = f(Math.exp(-nllBase));
  const p = f(Math.exp(-nll));
  return { kld: sum, pDiff: f(p - pBase), sameTop: imax === imaxBase, nll, nllBase };
}
