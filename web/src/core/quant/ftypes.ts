// The llama file types ("ftypes") Quantsmith can write, as llama-quantize names and numbers them
// (include/llama.h's llama_ftype, tools/quantize's QUANT_OPTIONS), each with the ggml type its
// weights default to (llama-quant.cpp's llama_ftype_get_default_type). The per-tensor mixture rules
// that move some tensors away from the default live in mixture-rules.ts.
import { QuantsmithError } from '../errors.ts';
import { GgmlType } from './ggml-types.ts';

export interface LlamaFtype {
  /** llama_ftype number, written to general.file_type */
  readonly id: number;
  /** as llama-quantize spells it: "Q4_K_M" */
  readonly name: string;
  /** ggml type id most weights get */
  readonly defaultType: number;
  /** short text for the UI: size per weight and what it is */
  readonly description: string;
  /**
   * llama.cpp refuses this ftype without an importance matrix whenever some tensor would get a type
   * that needs one; Quantsmith has no importance matrix support, so the plan refuses it in that case.
   */
  readonly needsImatrix: boolean;
}

const f = (id: number, name: string, defaultType: number, description: string, needsImatrix = false): LlamaFtype =>
  Object.freeze({ id, name, defaultType, description, needsImatrix });

export const FTYPES: readonly LlamaFtype[] = Object.freeze([
  f(0, 'F32', GgmlType.F32, '32 bits per weight, unquantized'),
  f(1, 'F16', GgmlType.F16, '16 bits per weight, half precision'),
  f(32, 'BF16', GgmlType.BF16, '16 bits per weight, bfloat16'),
  f(7, 'Q8_0', GgmlType.Q8_0, '8.5 bpw, nearly lossless'),
  f(18, 'Q6_K', GgmlType.Q6_K, '6.6 bpw k-quant'),
  f(17, 'Q5_K_M', GgmlType.Q5_K, '~5.7 bpw k-quant mix, attn_v/ffn_down partly Q6_K'),
  f(16, 'Q5_K_S', GgmlType.Q5_K, '5.5 bpw k-quant'),
  f(9, 'Q5_1', GgmlType.Q5_1, '6.0 bpw legacy quant'),
  f(8, 'Q5_0', GgmlType.Q5_0, '5.5 bpw legacy quant'),
  f(15, 'Q4_K_M', GgmlType.Q4_K, '~4.9 bpw k-quant mix, attn_v/ffn_down partly Q6_K (recommended)'),
  f(14, 'Q4_K_S', GgmlType.Q4_K, '~4.6 bpw k-quant, first layers Q5_K'),
  f(3, 'Q4_1', GgmlType.Q4_1, '5.0 bpw legacy quant'),
  f(2, 'Q4_0', GgmlType.Q4_0, '4.5 bpw legacy quant'),
  f(25, 'IQ4_NL', GgmlType.IQ4_NL, '4.5 bpw non-linear quant'),
  f(30, 'IQ4_XS', GgmlType.IQ4_XS, '4.25 bpw non-linear quant'),
  f(13, 'Q3_K_L', GgmlType.Q3_K, '~4.3 bpw k-quant mix, attn_v/ffn_down Q5_K'),
  f(12, 'Q3_K_M', GgmlType.Q3_K, '~3.9 bpw k-quant mix'),
  f(11, 'Q3_K_S', GgmlType.Q3_K, '3.4 bpw k-quant'),
  f(10, 'Q2_K', GgmlType.Q2_K, '~3.2 bpw k-quant mix, lowest quality'),
  f(21, 'Q2_K_S', GgmlType.Q2_K, '~2.9 bpw k-quant, needs an importance matrix', true),
]);

/** llama-quantize's short names for the medium k-quant mixes. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['Q3_K', 'Q3_K_M'],
  ['Q4_K', 'Q4_K_M'],
  ['Q5_K', 'Q5_K_M'],
]);

/** ftypes llama-quantize knows but Quantsmith cannot write (no kernels, or an importance matrix is required). */
const UNSUPPORTED: ReadonlySet<string> = new Set([
  'Q1_0', 'Q2_0', 'MXFP4_MOE', 'IQ2_XXS', 'IQ2_XS', 'IQ2_S', 'IQ2_M', 'IQ1_S', 'IQ1_M', 'TQ1_0', 'TQ2_0',
  'IQ3_XXS', 'IQ3_S', 'IQ3_M', 'IQ3_XS', 'COPY',
]);
const UNSUPPORTED_IDS: ReadonlySet<number> = new Set([19, 20, 22, 23, 24, 26, 27, 28, 29, 31, 36, 37, 38, 39, 40, 41]);

const byName = new Map(FTYPES.map((x) => [x.name, x]));
const byId = new Map(FTYPES.map((x) => [x.id, x]));

export function ftypeById(id: number): LlamaFtype | undefined {
  return byId.get(id);
}

/**
 * The ftype for a name as llama-quantize accepts it: case-insensitive, the Q3_K/Q4_K/Q5_K aliases,
 * or the ftype number. Throws a QuantsmithError naming the word when it is unknown or unsupported.
 */
export function parseFtype(word: string): LlamaFtype {
  const upper = word.trim().toUpperCase();
  const found = byName.get(ALIASES.get(upper) ?? upper);
  if (found) return found;
  if (/^\d+$/.test(upper)) {
    const id = Number(upper);
    const byNumber = byId.get(id);
    if (byNumber) return byNumber;
    if (UNSUPPORTED_IDS.has(id)) throw new QuantsmithError(`quantization type ${id} is not supported by Quantsmith`);
  }
  if (UNSUPPORTED.has(upper)) {
    throw new QuantsmithError(`quantization type '${word}' is not supported by Quantsmith (it needs kernels or an importance matrix Quantsmith does not have)`);
  }
  throw new QuantsmithError(`unknown quantization type '${word}'; expected one of ${FTYPES.map((x) => x.name).join(', ')}`);
}
