// The metadata llama.cpp's quantizer writes: the input's entries in their order, then
// general.quantization_version and general.file_type, the split keys removed, then each --override-kv.
// gguf.cpp sets a key by removing any entry with that key and appending the new one, so a key that is
// set (even one already in the input) moves to the end.
import { QuantsmithError } from '../errors.ts';
import { GgufValueType, type GgufKV } from '../formats/gguf/model.ts';
import type { KvOverride } from './options.ts';

/** GGML_QNT_VERSION */
export const GGML_QNT_VERSION = 2;
const SPLIT_KEYS = ['split.no', 'split.count', 'split.tensors.count'];

/** gguf_set_val_*: any entry with the key is removed, the new one appended. */
export function setKV(kvs: GgufKV[], kv: GgufKV): void {
  removeKey(kvs, kv.key);
  kvs.push(kv);
}

function removeKey(kvs: GgufKV[], key: string): void {
  const i = kvs.findIndex((x) => x.key === key);
  if (i >= 0) kvs.splice(i, 1);
}

/** The entry llama_model_quantize writes for one --override-kv. */
export function overrideEntry(o: KvOverride): GgufKV {
  switch (o.type) {
    // an int is written as u32 of its absolute value (llama.cpp PR 14182)
    case 'int': {
      const v = BigInt(o.value);
      return { key: o.key, type: GgufValueType.UINT32, value: Number(BigInt.asUintN(32, v < 0n ? -v : v)) };
    }
    case 'float': return { key: o.key, type: GgufValueType.FLOAT32, value: Math.fround(o.value) };
    case 'bool': return { key: o.key, type: GgufValueType.BOOL, value: o.value };
    case 'str': return { key: o.key, type: GgufValueType.STRING, value: o.value };
  }
}

export function outputMetadata(input: readonly GgufKV[], ftypeId: number, overrides: readonly KvOverride[]): GgufKV[] {
  const kvs = [...input];
  setKV(kvs, { key: 'general.quantization_version', type: GgufValueType.UINT32, value: GGML_QNT_VERSION });
  setKV(kvs, { key: 'general.file_type', type: GgufValueType.UINT32, value: ftypeId });
  for (const key of SPLIT_KEYS) removeKey(kvs, key);
  for (const o of overrides) {
    if (o.key === 'general.alignment') {
      // gguf.cpp aborts on a non-u32 or non-power-of-2 alignment, and even a valid one would only change the
      // key, not where llama.cpp puts the data (always 32-byte aligned): the file would contradict itself
      throw new QuantsmithError('overriding general.alignment is not supported: llama.cpp would write a file whose data does not follow it');
    }
    setKV(kvs, overrideEntry(o));
  }
  return kvs;
}
