// The llama file types ("ftypes") llama-quantize offers, as it names and numbers them (include/llama.h's
// llama_ftype, tools/quantize's QUANT_OPTIONS), each with the ggml type its weights default to
// (llama-quant.cpp's llama_ftype_get_default_type). The per-tensor mixture rules that move some tensors
// away from the default live in mixture-rules.ts. Whether Quantsmith can write one today depends on its
// kernels (ggml-types.ts `kernel`): the plan is computed for every ftype, and names what is missing.
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
   * llama.cpp refuses this ftype without an importance matrix on an ordinary model: some tensor gets a
   * type that needs one (tensor_requires_imatrix). The plan decides it tensor by tensor.
   */
  readonly needsImatrix: boolean;
  /** COPY: every tensor copied as it is, general.file_type the input's (llama-quantize's only_copy) */
  readonly onlyCopy: boolean;
}

const f = (id: number, name: string, defaultType: number, description: string, needsImatrix = false, onlyCopy = false): LlamaFtype =>
  Object.freeze({ id, name, defaultType, description, needsImatrix, onlyCopy });

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
  f(27, 'IQ3_M', GgmlType.IQ3_S, '3.66 bpw i-quant mix'),
  f(26, 'IQ3_S', GgmlType.IQ3_S, '3.44 bpw i-quant'),
  f(22, 'IQ3_XS', GgmlType.IQ3_S, '3.3 bpw i-quant mix, needs an importance matrix', true),
  f(23, 'IQ3_XXS', GgmlType.IQ3_XXS, '3.06 bpw i-quant, needs an importance matrix', true),
  f(10, 'Q2_K', GgmlType.Q2_K, '~3.2 bpw k-quant mix, lowest quality'),
  f(21, 'Q2_K_S', GgmlType.Q2_K, '~2.9 bpw k-quant, needs an importance matrix', true),
  f(29, 'IQ2_M', GgmlType.IQ2_S, '2.7 bpw i-quant mix, needs an importance matrix', true),
  f(28, 'IQ2_S', GgmlType.IQ2_XS, '2.5 bpw i-quant mix, needs an importance matrix', true),
  f(20, 'IQ2_XS', GgmlType.IQ2_XS, '2.31 bpw i-quant, needs an importance matrix', true),
  f(19, 'IQ2_XXS', GgmlType.IQ2_XXS, '2.06 bpw i-quant, needs an importance matrix', true),
  f(41, 'Q2_0', GgmlType.Q2_0, '2.25 bpw quant (groups of 64)'),
  f(37, 'TQ2_0', GgmlType.TQ2_0, '2.06 bpw ternary (for ternary-trained models)'),
  f(31, 'IQ1_M', GgmlType.IQ1_M, '1.75 bpw i-quant, needs an importance matrix', true),
  f(36, 'TQ1_0', GgmlType.TQ1_0, '1.69 bpw ternary (for ternary-trained models)'),
  f(24, 'IQ1_S', GgmlType.IQ1_S, '1.56 bpw i-quant, needs an importance matrix', true),
  f(40, 'Q1_0', GgmlType.Q1_0, '1.125 bpw quant'),
  f(38, 'MXFP4_MOE', GgmlType.MXFP4, 'MXFP4 experts, Q8_0 elsewhere (for mixture-of-experts models)'),
  // llama-quantize lists COPY after F32 so that the number 0 finds F32
  f(0, 'COPY', GgmlType.F32, 'copy every tensor as it is (only the metadata changes)', false, true),
]);

/** llama-quantize's short names for the medium k-quant mixes. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['Q3_K', 'Q3_K_M'],
  ['Q4_K', 'Q4_K_M'],
  ['Q5_K', 'Q5_K_M'],
]);

const byName = new Map(FTYPES.map((x) => [x.name, x]));
const byId = new Map<number, LlamaFtype>();
for (const x of FTYPES) if (!byId.has(x.id)) byId.set(x.id, x);

export function ftypeById(id: number): LlamaFtype | undefined {
  return byId.get(id);
}

/**
 * The ftype for a name as llama-quantize accepts it: case-insensitive, the Q3_K/Q4_K/Q5_K aliases,
 * or the ftype number (0 is F32, never COPY). Throws a QuantsmithError naming an unknown word.
 */
export function parseFtype(word: string): LlamaFtype {
  const upper = word.trim().toUpperCase();
  const found = byName.get(ALIASES.get(upper) ?? upper);
  if (found) return found;
  if (/^\d+$/.test(upper)) {
    const byNumber = byId.get(Number(upper));
    if (byNumber) return byNumber;
  }
  throw new QuantsmithError(`unknown quantization type '${word}'; expected one of ${FTYPES.map((x) => x.name).join(', ')}`);
}
