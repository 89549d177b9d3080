// Quantsmith's evaluator against llama.cpp's llama_decode on one file: all logits of one sequence, compared
// by their largest and rms difference, the next token's −log p, and whether both rank the same token first.
import assert from 'node:assert/strict';
import { negLogLikelihood } from '../../web/src/core/eval/token-scores.ts';
import { oracleLogits } from '../oracle/perplexity.ts';
import { evaluatorLogits } from './eval.ts';

export interface Comparison {
  maxAbs: number;
  rms: number;
  /** mean |Δ nll| of the next token, over positions */
  nllDiff: number;
  /** fraction of positions where both rank the same token first */
  sameTop: number;
}

export function compareLogits(ours: Float32Array, ref: Float32Array, nVocab: number, tokens: Int32Array): Comparison {
  assert.equal(ours.length, ref.length);
  let maxAbs = 0;
  let sq = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    if (!(d <= maxAbs)) maxAbs = d; // NaN propagates
    sq += d * d;
  }
  let nllDiff = 0;
  let same = 0;
  const n = tokens.length;
  for (let p = 0; p < n; p++) {
    const off = p * nVocab;
    if (p + 1 < n) nllDiff += Math.abs(negLogLikelihood(ours, off, nVocab, tokens[p + 1]) - negLogLikelihood(ref, off, nVocab, tokens[p + 1]));
    let a = 0;
    let b = 0;
    for (let v = 1; v < nVocab; v++) {
      if (ours[off + v] > ours[off + a]) a = v;
      if (ref[off + v] > ref[off + b]) b = v;
    }
    if (a === b) same++;
  }
  return { maxAbs, rms: Math.sqrt(sq / ref.length), nllDiff: nllDiff / (n - 1), sameTop: same / n };
}

export interface LogitLimits {
  readonly maxAbs: number;
  readonly rms: number;
  readonly nllDiff: number;
  readonly sameTop: number;
}

/** Runs both on `path` and asserts the limits; returns the figures. */
export async function checkLogits(path: string, tokens: Int32Array, limits: LogitLimits): Promise<Comparison> {
  const { logits, nVocab } = await evaluatorLogits(path, tokens);
  const ref = oracleLogits(path, tokens);
  const c = compareLogits(logits, ref, nVocab, tokens);
  const msg = JSON.stringify(c);
  assert.ok(c.maxAbs < limits.maxAbs, `max |Δlogit| ${msg}`);
  assert.ok(c.rms < limits.rms, `rms Δlogit ${msg}`);
  assert.ok(c.nllDiff < limits.nllDiff, `mean |Δnll| ${msg}`);
  assert.ok(c.sameTop >= limits.sameTop, `same top token ${msg}`);
  return c;
}
