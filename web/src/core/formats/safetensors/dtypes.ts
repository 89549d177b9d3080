// The element types a safetensors header may name, with their size in bytes. Only F32, F16 and BF16
// can be converted to GGUF here; the others are known so that their byte sizes can still be checked.

export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze({
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1,
  U64: 8, U32: 4, U16: 2, U8: 1,
  BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1,
});

/** The dtypes whose tensors can become GGUF float tensors. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}
