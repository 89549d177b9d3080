// ggml's tensor types: id, name, block size (elements) and bytes per block, as in ggml.c's type_traits.
// `kernel` marks the types Quantsmith's WASM can produce; wasm/type_traits.def is the C side of the
// same table, and tests/unit/type-traits.test.ts checks that the two agree.

export interface GgmlTypeTraits {
  readonly id: number;
  /** ggml's own spelling, as llama.cpp logs it: "q4_K", "f16" */
  readonly name: string;
  readonly blockSize: number;
  readonly bytesPerBlock: number;
  readonly quantized: boolean;
  /** our kernels quantize to and dequantize from this type */
  readonly kernel: boolean;
}

const t = (id: number, name: string, blockSize: number, bytesPerBlock: number, quantized: boolean, kernel: boolean): GgmlTypeTraits =>
  Object.freeze({ id, name, blockSize, bytesPerBlock, quantized, kernel });

export const GGML_TYPES: readonly GgmlTypeTraits[] = Object.freeze([
  t(0, 'f32', 1, 4, false, true),
  t(1, 'f16', 1, 2, false, true),
  t(2, 'q4_0', 32, 18, true, true),
  t(3, 'q4_1', 32, 20, true, true),
  t(6, 'q5_0', 32, 22, true, true),
  t(7, 'q5_1', 32, 24, true, true),
  t(8, 'q8_0', 32, 34, true, true),
  t(9, 'q8_1', 32, 36, true, false),
  t(10, 'q2_K', 256, 84, true, true),
  t(11, 'q3_K', 256, 110, true, true),
  t(12, 'q4_K', 256, 144, true, true),
  t(13, 'q5_K', 256, 176, true, true),
  t(14, 'q6_K', 256, 210, true, true),
  t(15, 'q8_K', 256, 292, true, false),
  t(16, 'iq2_xxs', 256, 66, true, false),
  t(17, 'iq2_xs', 256, 74, true, false),
  t(18, 'iq3_xxs', 256, 98, true, false),
  t(19, 'iq1_s', 256, 50, true, false),
  t(20, 'iq4_nl', 32, 18, true, true),
  t(21, 'iq3_s', 256, 110, true, false),
  t(22, 'iq2_s', 256, 82, true, false),
  t(23, 'iq4_xs', 256, 136, true, true),
  t(24, 'i8', 1, 1, false, false),
  t(25, 'i16', 1, 2, false, false),
  t(26, 'i32', 1, 4, false, false),
  t(27, 'i64', 1, 8, false, false),
  t(28, 'f64', 1, 8, false, false),
  t(29, 'iq1_m', 256, 56, true, false),
  t(30, 'bf16', 1, 2, false, true),
  t(34, 'tq1_0', 256, 54, true, true),
  t(35, 'tq2_0', 256, 66, true, true),
  t(39, 'mxfp4', 32, 17, true, true),
  t(40, 'nvfp4', 64, 36, true, true),
  t(41, 'q1_0', 128, 18, true, true),
  t(42, 'q2_0', 64, 18, true, true),
]);

/** GGML_TYPE_COUNT: llama.cpp's "not set" value for output/token-embedding type parameters */
export const GGML_TYPE_COUNT = 43;

const byId = new Map(GGML_TYPES.map((x) => [x.id, x]));
const byName = new Map(GGML_TYPES.map((x) => [x.name.toLowerCase(), x]));

export const GgmlType = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9,
  Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, Q8_K: 15,
  IQ2_XXS: 16, IQ2_XS: 17, IQ3_XXS: 18, IQ1_S: 19, IQ4_NL: 20, IQ3_S: 21, IQ2_S: 22, IQ4_XS: 23,
  I8: 24, I16: 25, I32: 26, I64: 27, F64: 28, IQ1_M: 29, BF16: 30,
  TQ1_0: 34, TQ2_0: 35, MXFP4: 39, NVFP4: 40, Q1_0: 41, Q2_0: 42,
} as const;

export function ggmlType(id: number): GgmlTypeTraits | undefined {
  return byId.get(id);
}

/** Case-insensitive lookup by ggml name ("Q4_K", "q4_k", "f16"). */
export function ggmlTypeByName(name: string): GgmlTypeTraits | undefined {
  return byName.get(name.toLowerCase());
}

/** Bytes of a row of `n` elements (ggml_row_size); n must be a multiple of the block size. */
export function rowBytes(type: GgmlTypeTraits, n: number): number {
  return (n / type.blockSize) * type.bytesPerBlock;
}
