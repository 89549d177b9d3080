// Collects GGUF metadata the way gguf-py's GGUFWriter does, because the converter's output order and types
// come from it: keys keep the position of their first write (a later write replaces the value in place),
// empty strings and empty arrays are not written, and each add* method fixes the value type.
import { QuantsmithError, quotedJson } from '../../errors.ts';
import { GgufValueType, type GgufKV, type GgufValue } from '../gguf/model.ts';

const RANGES: Partial<Record<GgufValueType, [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

export class KvWriter {
  private readonly kv = new Map<string, GgufKV>();

  constructor(readonly arch: string) {}

  /** "{arch}.context_length" → "llama.context_length" */
  archKey(template: string): string {
    return template.replace('{arch}', this.arch);
  }

  has(key: string): boolean {
    return this.kv.has(key);
  }

  remove(key: string): void {
    this.kv.delete(key);
  }

  entries(): GgufKV[] {
    return [...this.kv.values()];
  }

  addUint32(key: string, value: unknown): void {
    this.set(key, GgufValueType.UINT32, integer(key, value, GgufValueType.UINT32));
  }

  addInt32(key: string, value: unknown): void {
    this.set(key, GgufValueType.INT32, integer(key, value, GgufValueType.INT32));
  }

  addFloat32(key: string, value: unknown): void {
    this.set(key, GgufValueType.FLOAT32, Math.fround(number(key, value)));
  }

  addBool(key: string, value: unknown): void {
    if (typeof value !== 'boolean') throw badValue(key, value, 'true or false');
    this.set(key, GgufValueType.BOOL, value);
  }

  /** Python's `if not val: return`: an empty string is not written. */
  addString(key: string, value: unknown): void {
    if (typeof value !== 'string') throw badValue(key, value, 'a string');
    if (value === '') return;
    this.set(key, GgufValueType.STRING, value);
  }

  /** An array whose item type follows GGUFValueType.get_type of its first item; empty arrays are not written. */
  addArray(key: string, values: readonly unknown[]): void {
    if (values.length === 0) return;
    const itemType = pyValueType(key, values[0]);
    const items = values.map((v) => {
      if (pyValueType(key, v) !== itemType) {
        throw new QuantsmithError(`metadata ${key}: all items of a GGUF array must have the same type`);
      }
      return itemType === GgufValueType.FLOAT32 ? Math.fround(v as number) : (v as GgufValue);
    });
    this.set(key, GgufValueType.ARRAY, { itemType, items });
  }

  /** An array of a fixed item type, whatever its first item looks like (STRING tokens, FLOAT32 scores). */
  addTypedArray(key: string, itemType: GgufValueType, values: readonly GgufValue[]): void {
    if (values.length === 0) return;
    const items = itemType === GgufValueType.FLOAT32 ? values.map((v) => Math.fround(v as number)) : values;
    this.set(key, GgufValueType.ARRAY, { itemType, items });
  }

  private set(key: string, type: GgufValueType, value: GgufValue): void {
    this.kv.set(key, { key, type, value });
  }
}

/** GGUFValueType.get_type: str → STRING, float → FLOAT32, bool → BOOL, int → INT32. */
function pyValueType(key: string, v: unknown): GgufValueType {
  if (typeof v === 'string') return GgufValueType.STRING;
  if (typeof v === 'boolean') return GgufValueType.BOOL;
  if (typeof v === 'number') return Number.isInteger(v) ? GgufValueType.INT32 : GgufValueType.FLOAT32;
  throw badValue(key, v, 'strings, numbers or booleans');
}

function integer(key: string, value: unknown, type: GgufValueType): number {
  // Python's struct.pack accepts a bool as an int
  const v = typeof value === 'boolean' ? Number(value) : value;
  const [lo, hi] = RANGES[type]!;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw badValue(key, value, `an integer from ${lo} to ${hi}`);
  }
  return v;
}

function number(key: string, value: unknown): number {
  const v = typeof value === 'boolean' ? Number(value) : value;
  if (typeof v !== 'number') throw badValue(key, value, 'a number');
  return v;
}

function badValue(key: string, value: unknown, expected: string): QuantsmithError {
  return new QuantsmithError(`metadata ${key} would be ${quotedJson(value)}, but must be ${expected}`);
}
