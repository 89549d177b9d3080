// ggml-cpu converts a matmul's F32 activations to its weight type's vec_dot_type before the dot product
// (ggml-cpu.c, type_traits_cpu). The evaluator rounds them the same way, which is what makes its figures
// agree with llama.cpp's; this is that table, by ggml type id.
import { QuantsmithError } from '../errors.ts';
import { GgmlType } from '../quant/ggml-types.ts';

const F32 = GgmlType.F32;
const F16 = GgmlType.F16;
const BF16 = GgmlType.BF16;
const Q8_0 = 8;
const Q8_1 = 9;
const Q8_K = 15;

const VEC_DOT_TYPE: ReadonlyMap<number, number> = new Map([
  [F32, F32], [F16, F16], [BF16, BF16],
  [2, Q8_0], [3, Q8_1], [6, Q8_0], [7, Q8_1], [8, Q8_0], // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
  [10, Q8_K], [11, Q8_K], [12, Q8_K], [13, Q8_K], [14, Q8_K], // Q2_K … Q6_K
  [20, Q8_0], [23, Q8_K], // IQ4_NL, IQ4_XS
  [34, Q8_K], [35, Q8_K], // TQ1_0, TQ2_0
  [39, Q8_0], [40, Q8_0], [41, Q8_0], [42, Q8_0], // MXFP4, NVFP4, Q1_0, Q2_0
]);

/** The type ggml-cpu rounds activations to for a weight of ggml type `weightType`. */
export function vecDotType(weightType: number): number {
  const t = VEC_DOT_TYPE.get(weightType);
  if (t === undefined) throw new QuantsmithError(`the evaluator cannot multiply by weights of ggml type ${weightType}`);
  return t;
}
