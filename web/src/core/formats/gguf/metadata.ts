// Looking up metadata by key, with typed getters that explain a wrong type instead of returning garbage.
import { QuantsmithError, quoted } from '../../errors.ts';
import { GgufValueType, type GgufArray, type GgufKV, type GgufValue } from './model.ts';
import { ggufValueTypeName } from './value-types.ts';

/** Anything with GGUF metadata: a GgufHeader, a ModelSource. */
export interface HasMetadata {
  readonly metadata: readonly GgufKV[];
}

export function getKV(model: HasMetadata, key: string): GgufKV | undefined {
  return model.metadata.find((kv) => kv.key === key);
}

function wrongType(kv: GgufKV, expected: string): QuantsmithError {
  const actual = kv.type === GgufValueType.ARRAY
    ? `array of ${ggufValueTypeName((kv.value as GgufArray).itemType)}`
    : ggufValueTypeName(kv.type);
  return new QuantsmithError(`metadata key ${quoted(kv.key)} is ${actual}, expected ${expected}`);
}

const NUMERIC = new Set<number>([
  GgufValueType.UINT8, GgufValueType.INT8, GgufValueType.UINT16, GgufValueType.INT16,
  GgufValueType.UINT32, GgufValueType.INT32, GgufValueType.FLOAT32, GgufValueType.UINT64,
  GgufValueType.INT64, GgufValueType.FLOAT64,
]);

/** A string value; undefined when the key is absent. */
export function getString(model: HasMetadata, key: string): string | undefined {
  const kv = getKV(model, key);
  if (kv === undefined) return undefined;
  if (kv.type !== GgufValueType.STRING) throw wrongType(kv, 'a string');
  return kv.value as string;
}

/** Any numeric value as a JS number (64-bit integers converted); undefined when the key is absent. */
export function getNumber(model: HasMetadata, key: string): number | undefined {
  const kv = getKV(model, key);
  if (kv === undefined) return undefined;
  if (!NUMERIC.has(kv.type)) throw wrongType(kv, 'a number');
  return Number(kv.value);
}

export function getBool(model: HasMetadata, key: string): boolean | undefined {
  const kv = getKV(model, key);
  if (kv === undefined) return undefined;
  if (kv.type !== GgufValueType.BOOL) throw wrongType(kv, 'a bool');
  return kv.value as boolean;
}

/** An array value's items; undefined when the key is absent. */
export function getArray(model: HasMetadata, key: string): readonly GgufValue[] | undefined {
  const kv = getKV(model, key);
  if (kv === undefined) return undefined;
  if (kv.type !== GgufValueType.ARRAY) throw wrongType(kv, 'an array');
  return (kv.value as GgufArray).items;
}

/** A per-layer hyperparameter that may be one number or an array of numbers (e.g. head_count_kv): the array form is returned as is. */
export function getNumberOrArray(model: HasMetadata, key: string): number | number[] | undefined {
  const kv = getKV(model, key);
  if (kv === undefined) return undefined;
  if (kv.type === GgufValueType.ARRAY) {
    const arr = kv.value as GgufArray;
    if (!NUMERIC.has(arr.itemType)) throw wrongType(kv, 'a number or an array of numbers');
    return arr.items.map((x) => Number(x));
  }
  if (!NUMERIC.has(kv.type)) throw wrongType(kv, 'a number or an array of numbers');
  return Number(kv.value);
}
