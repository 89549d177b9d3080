// Rope frequency factor tensors the converter computes: Llama 3's rope_freqs (LlamaModel.
// generate_extra_tensors), reproduced in float32 step by step as torch (on an x86 CPU, AVX2 kernels)
// evaluates that code.
import { QuantsmithError, quotedJson } from '../../errors.ts';
import type { Json } from './hparams.ts';
import { sleefPowf } from './sleef-powf.ts';

const f = Math.fround;

/** torch evaluates `scalar / tensor` as tensor.reciprocal() * scalar, in float32 */
const rdiv = (scalar: number, x: number) => f(f(1 / x) * f(scalar));

function num(rope: Json, key: string, fallback: number): number {
  const v = key in rope ? rope[key] : fallback;
  if (typeof v !== 'number') throw new QuantsmithError(`config.json: rope scaling ${key} ${quotedJson(v)} is not a number`);
  return v;
}

/** Llama 3 rope scaling ("rope_type": "llama3"): one factor per pair of rotary dimensions. */
export function llama3RopeFactors(rope: Json, headDim: number): Float32Array {
  const base = num(rope, 'rope_theta', 10000.0);
  const factor = num(rope, 'factor', 8.0);
  const lowFreqFactor = num(rope, 'low_freq_factor', 1.0);
  const highFreqFactor = num(rope, 'high_freq_factor', 4.0);
  const oldContextLen = num(rope, 'original_max_position_embeddings', 8192);
  // Python floats (double); compared against float32 tensors, so in float32
  const lowFreqWavelen = f(oldContextLen / lowFreqFactor);
  const highFreqWavelen = f(oldContextLen / highFreqFactor);
  const out = new Float32Array(Math.ceil(headDim / 2));
  // torch's pow runs SLEEF's powf on whole pairs of 8-lane vectors and the C library's powf on the rest
  const vectorized = Math.floor(out.length / 16) * 16;
  for (let k = 0; k < out.length; k++) {
    // base ** (arange(0, dim, 2) / dim), in float32
    const exponent = f((2 * k) / headDim);
    const power = k < vectorized ? sleefPowf(base, exponent) : f(Math.pow(f(base), exponent));
    const freq = f(1 / power);
    const wavelen = rdiv(2 * Math.PI, freq);
    if (wavelen < highFreqWavelen) out[k] = 1;
    else if (wavelen > lowFreqWavelen) out[k] = factor;
    else {
      const smooth = f(f(f(rdiv(oldContextLen, wavelen)) - f(lowFreqFactor)) / f(highFreqFactor - lowFreqFactor));
      out[k] = f(1 / f(f(f(1 - smooth) / f(factor)) + smooth));
    }
  }
  return out;
}
