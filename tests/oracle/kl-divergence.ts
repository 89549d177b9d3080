// The KL-divergence figures of `llama-perplexity --kl-divergence` (mean KLD and "same top" of a model from
// its base), computed from llama.cpp v0.5.0's own logits (llama_decode through koffi, oracleLogits): this
// file only reproduces the tool's bookkeeping as tools/perplexity/perplexity.cpp does it — the chunks and
// scored positions, the base's log-probabilities stored as 16-bit steps between its min and max, and the
// per-token sums in float and double as the tool computes them.
import { oracleLogits } from './perplexity.ts';

export interface OracleKld {
  /** mean KL divergence from the base, over the scored tokens */
  meanKld: number;
  /** fraction of scored tokens where both models rank the same token first */
  sameTop: number;
  /** scored tokens */
  count: number;
}

const f = Math.fround;
const expf = (x: number) => f(Math.exp(f(x)));
/** perplexity.cpp's nearest_int: adding 1.5·2^23 in float rounds to the nearest integer, ties to even */
const nearestInt = (x: number) => f(x + 12582912) - 12582912;

/** One base row as a --kl-divergence-base file keeps it: scale, min log-prob and n_vocab 16-bit steps. */
interface BaseRow {
  scale: number;
  minLogProb: number;
  q: Uint16Array;
}

function baseRow(logits: Float32Array, at: number, nVocab: number): BaseRow {
  let max = logits[at];
  let min = logits[at];
  for (let i = 1; i < nVocab; i++) {
    max = Math.max(max, logits[at + i]);
    min = Math.min(min, logits[at + i]);
  }
  min = Math.max(min, f(max - 16));
  let sumExp = 0;
  for (let i = 0; i < nVocab; i++) sumExp += expf(logits[at + i] - max);
  const logSumExp = f(Math.log(sumExp));
  const minLogProb = f(f(min - max) - logSumExp);
  const scale = f(f(max - min) / 65535);
  const q = new Uint16Array(nVocab);
  if (scale) {
    const inv = f(1 / scale);
    for (let i = 0; i < nVocab; i++) q[i] = logits[at + i] > min ? nearestInt(f(inv * f(logits[at + i] - min))) : 0;
  }
  return { scale, minLogProb, q };
}

/** KL divergence of one row of logits from a base row, and whether the top tokens agree. */
function rowKld(logits: Float32Array, at: number, nVocab: number, base: BaseRow): { kld: number; sameTop: boolean } {
  let max = logits[at];
  let imax = 0;
  for (let i = 1; i < nVocab; i++) {
    if (logits[at + i] > max) {
      max = logits[at + i];
      imax = i;
    }
  }
  let sumExp = 0;
  for (let i = 0; i < nVocab; i++) sumExp += expf(logits[at + i] - max);
  const shifted = f(max + f(Math.log(sumExp)));
  let sum = 0;
  let imaxBase = -1;
  let maxBase = 0;
  for (let i = 0; i < nVocab; i++) {
    const pLogBase = f(f(base.scale * base.q[i]) + base.minLogProb);
    if (i === 0 || pLogBase > maxBase) {
      maxBase = pLogBase;
      imaxBase = i;
    }
    if (pLogBase > -16) sum += f(expf(pLogBase) * f(f(pLogBase - logits[at + i]) + shifted));
  }
  return { kld: sum, sameTop: imax === imaxBase };
}

/**
 * What `llama-perplexity -m MODEL --kl-divergence-base BASE.kld --kl-divergence -c nCtx --chunks maxChunks`
 * reports for each model against the base (the base file made from `basePath` with the same settings).
 * `tokens` as llama-perplexity tokenizes the text (oracleTokenizeFile); `bos` replaces each chunk's first token
 * (null when the vocabulary adds none).
 */
export function oracleKlDivergence(
  basePath: string,
  modelPaths: readonly string[],
  tokens: Int32Array,
  opts: { nCtx: number; maxChunks: number; bos: number | null; nVocab: number; threads?: number },
): OracleKld[] {
  const { nCtx, nVocab } = opts;
  const nChunk = Math.min(Math.floor(tokens.length / nCtx), opts.maxChunks);
  const first = nCtx >> 1;
  const sums = modelPaths.map(() => ({ kld: 0, same: 0, count: 0 }));
  for (let c = 0; c < nChunk; c++) {
    const chunk = tokens.slice(c * nCtx, (c + 1) * nCtx);
    if (opts.bos !== null) chunk[0] = opts.bos;
    const baseLogits = oracleLogits(basePath, chunk, opts.threads ?? 1);
    const rows: BaseRow[] = [];
    for (let p = first; p < nCtx - 1; p++) rows.push(baseRow(baseLogits, p * nVocab, nVocab));
    modelPaths.forEach((path, m) => {
      const logits = oracleLogits(path, chunk, opts.threads ?? 1);
      for (let p = first; p < nCtx - 1; p++) {
        const r = rowKld(logits, p * nVocab, nVocab, rows[p - first]);
        sums[m].kld += r.kld;
        sums[m].same += r.sameTop ? 1 : 0;
        sums[m].count++;
      }
    });
  }
  return sums.map((s) => ({ meanKld: s.kld / s.count, sameTop: s.same / s.count, count: s.count }));
}
