// From an importance matrix to the weights llama-quantize hands its quantizer (tools/quantize's
// load_imatrix and prepare_imatrix): each entry's sums divided by its counts, filtered by
// --include-weights / --exclude-weights, and the quantize.imatrix.* keys it adds to the output.
import { QuantsmithError } from '../errors.ts';
import type { KvOverride } from '../quant/options.ts';
import type { ImportanceMatrix } from './imatrix.ts';

export interface QuantizeWeights {
  /** tensor name → ne0 × nExperts weights (expert e's ne0 values start at e × ne0) */
  readonly byTensor: ReadonlyMap<string, Float32Array>;
  /** what load_imatrix returns: the chunk count (written when above 0) */
  readonly chunkCount: number;
  readonly datasets: readonly string[];
}

/** C's lround: to the nearest integer, halves away from zero. */
const lround = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** One entry normalised as load_imatrix does. */
function normalise(m: ImportanceMatrix, sums: Float32Array, counts: Float32Array): Float32Array {
  const out = new Float32Array(sums.length);
  if (m.format === 'gguf') {
    // GGUF: raw sums, divided by each expert's (rounded) count; an expert never reached gets 1.0
    const ne0 = Math.trunc(sums.length / counts.length);
    for (let j = 0; j < counts.length; j++) {
      const count = Math.fround(lround(counts[j]));
      for (let i = j * ne0; i < (j + 1) * ne0; i++) out[i] = count > 0 ? sums[i] / count : 1;
    }
  } else {
    // legacy .dat: sums hold (sum / count) × ncall, divided back by ncall (int32, so rounded like a C cast)
    const ncall = counts.length === 0 ? 0 : Math.trunc(counts[0]);
    const divisor = Math.fround(ncall);
    for (let i = 0; i < sums.length; i++) out[i] = ncall > 0 ? sums[i] / divisor : sums[i];
  }
  return out;
}

const cache = new WeakMap<ImportanceMatrix, Map<string, QuantizeWeights>>();

/**
 * The weights for a quantization (memoised per matrix and filter, so every output of a job shares them).
 * --exclude-weights drops entries whose name contains any of its words, --include-weights keeps only
 * those containing one; llama-quantize refuses both at once.
 */
export function quantizeWeights(
  m: ImportanceMatrix, include: readonly string[] = [], exclude: readonly string[] = [],
): QuantizeWeights {
  if (include.length > 0 && exclude.length > 0) {
    throw new QuantsmithError('--include-weights and --exclude-weights cannot be used together');
  }
  const key = JSON.stringify([include, exclude]);
  let byFilter = cache.get(m);
  if (!byFilter) cache.set(m, (byFilter = new Map()));
  const known = byFilter.get(key);
  if (known) return known;

  const byTensor = new Map<string, Float32Array>();
  for (const e of m.entries) {
    if (exclude.some((w) => e.name.includes(w))) continue;
    if (include.length > 0 && !include.some((w) => e.name.includes(w))) continue;
    byTensor.set(e.name, normalise(m, e.sums, e.counts));
  }
  for (const [name, values] of byTensor) {
    // llama_model_quantize refuses these; a well-formed file cannot produce them, so name the entry
    const bad = values.find((v) => !Number.isFinite(v));
    if (bad !== undefined) throw new QuantsmithError(`imatrix contains non-finite value ${bad} (entry ${name})`);
  }
  const weights: QuantizeWeights = { byTensor, chunkCount: m.chunkCount, datasets: m.datasets };
  byFilter.set(key, weights);
  return weights;
}

/** llama-quantize copies at most 127 bytes of a string into a KV override. */
function first127Bytes(s: string): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= 127) return s;
  // cut on a character boundary (llama.cpp cuts the bytes; a name this long is rare)
  let end = 127;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/**
 * The quantize.imatrix.* entries, in llama-quantize's order, appended after the user's --override-kv:
 * the file name as given, the first dataset, the entry count after filtering, the chunk count when above 0.
 * None when no entry is left (llama-quantize then quantizes as without an importance matrix).
 */
export function imatrixOverrides(weights: QuantizeWeights, fileName: string): KvOverride[] {
  if (weights.byTensor.size === 0) return [];
  const out: KvOverride[] = [{ key: 'quantize.imatrix.file', type: 'str', value: first127Bytes(fileName) }];
  if (weights.datasets.length > 0) out.push({ key: 'quantize.imatrix.dataset', type: 'str', value: first127Bytes(weights.datasets[0]) });
  out.push({ key: 'quantize.imatrix.entries_count', type: 'int', value: weights.byTensor.size });
  if (weights.chunkCount > 0) out.push({ key: 'quantize.imatrix.chunks_count', type: 'int', value: weights.chunkCount });
  return out;
}
