// When a tensor's row length is not a multiple of the chosen type's block size, llama.cpp falls back
// to a type with smaller blocks (Q4_K → Q5_0, Q6_K → Q8_0, …), and to F16 when even 32 does not divide
// the row. Each fallback is counted ("N of M tensor(s) required fallback quantization").
import { QuantsmithError, quoted } from '../errors.ts';
import { GgmlType, ggmlType } from './ggml-types.ts';

const FALLBACK: ReadonlyMap<number, number> = new Map([
  // 256-block i-quants → the 32-block non-linear quant
  [GgmlType.IQ1_S, GgmlType.IQ4_NL], [GgmlType.IQ1_M, GgmlType.IQ4_NL], [GgmlType.IQ2_XXS, GgmlType.IQ4_NL],
  [GgmlType.IQ2_XS, GgmlType.IQ4_NL], [GgmlType.IQ2_S, GgmlType.IQ4_NL], [GgmlType.IQ3_XXS, GgmlType.IQ4_NL],
  [GgmlType.IQ3_S, GgmlType.IQ4_NL], [GgmlType.IQ4_XS, GgmlType.IQ4_NL],
  // low-bit k-quants and ternary types → Q4_0
  [GgmlType.Q2_0, GgmlType.Q4_0], [GgmlType.Q2_K, GgmlType.Q4_0], [GgmlType.Q3_K, GgmlType.Q4_0],
  [GgmlType.TQ1_0, GgmlType.Q4_0], [GgmlType.TQ2_0, GgmlType.Q4_0],
  [GgmlType.Q4_K, GgmlType.Q5_0],
  [GgmlType.Q5_K, GgmlType.Q5_1],
  [GgmlType.Q6_K, GgmlType.Q8_0],
]);

export interface FallbackResult {
  readonly type: number;
  readonly fellBack: boolean;
}

export function shapeFallback(rowLength: number, type: number, tensorName: string): FallbackResult {
  const blockSize = ggmlType(type)!.blockSize;
  if (rowLength % blockSize === 0) return { type, fellBack: false };
  let fallback = FALLBACK.get(type);
  if (fallback === undefined) {
    // a 32-block (or smaller) type has no smaller-block sibling: it goes to F16 below
    if (blockSize > 32) {
      throw new QuantsmithError(`no tensor type fallback is defined for type ${ggmlType(type)!.name} (tensor ${quoted(tensorName)})`);
    }
    fallback = type;
  }
  if (rowLength % ggmlType(fallback)!.blockSize !== 0) fallback = GgmlType.F16;
  return { type: fallback, fellBack: true };
}
