// Facts about GGUF metadata value types: names (as gguf.cpp prints them) and sizes on disk.
import { GgufValueType } from './model.ts';

const NAMES: Record<number, string> = {
  [GgufValueType.UINT8]: 'u8', [GgufValueType.INT8]: 'i8', [GgufValueType.UINT16]: 'u16',
  [GgufValueType.INT16]: 'i16', [GgufValueType.UINT32]: 'u32', [GgufValueType.INT32]: 'i32',
  [GgufValueType.FLOAT32]: 'f32', [GgufValueType.BOOL]: 'bool', [GgufValueType.STRING]: 'str',
  [GgufValueType.ARRAY]: 'arr', [GgufValueType.UINT64]: 'u64', [GgufValueType.INT64]: 'i64',
  [GgufValueType.FLOAT64]: 'f64',
};

/** Bytes of one value of a fixed-size type; undefined for strings and arrays. */
const FIXED_SIZES: Record<number, number> = {
  [GgufValueType.UINT8]: 1, [GgufValueType.INT8]: 1, [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT16]: 2, [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4, [GgufValueType.INT32]: 4, [GgufValueType.FLOAT32]: 4,
  [GgufValueType.UINT64]: 8, [GgufValueType.INT64]: 8, [GgufValueType.FLOAT64]: 8,
};

export function isGgufValueType(t: number): t is GgufValueType {
  return Number.isInteger(t) && t >= 0 && t <= GgufValueType.FLOAT64;
}

export function ggufValueTypeName(t: number): string {
  return NAMES[t] ?? `type ${t}`;
}

export function fixedValueSize(t: GgufValueType): number | undefined {
  return FIXED_SIZES[t];
}

/** Fewest bytes one value of this type can take (a string is at least its 8-byte length, an array its 12-byte head). */
export function minValueSize(t: GgufValueType): number {
  if (t === GgufValueType.STRING) return 8;
  if (t === GgufValueType.ARRAY) return 12;
  return FIXED_SIZES[t];
}
