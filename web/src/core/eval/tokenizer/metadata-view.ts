// Typed access to the tokenizer.ggml.* metadata, with llama.cpp's checks on array types and lengths.
import { QuantsmithError } from '../../errors.ts';
import { getArray, getBool, getKV, getNumber, getString, type HasMetadata } from '../../formats/gguf/metadata.ts';
import { GgufValueType, type GgufArray, type GgufKV } from '../../formats/gguf/model.ts';

/** A GGUF header (or any ModelSource) as our reader returns it, or just its list of metadata entries. */
export type GgufMetadataLike = HasMetadata | readonly GgufKV[];

export function asHasMetadata(m: GgufMetadataLike): HasMetadata & { readonly invalidUtf8?: readonly string[] } {
  return Array.isArray(m) ? { metadata: m as readonly GgufKV[] } : (m as HasMetadata);
}

export { getBool, getNumber, getString };

/** An array whose items are all of one of the given types; undefined when the key is absent. */
export function getTypedArray(
  model: HasMetadata, key: string, itemTypes: readonly GgufValueType[], what: string,
): readonly unknown[] | undefined {
  const kv = getKV(model, key);
  if (kv === undefined) return undefined;
  if (kv.type !== GgufValueType.ARRAY || !itemTypes.includes((kv.value as GgufArray).itemType)) {
    throw new QuantsmithError(`metadata key '${key}' must be an array of ${what}`);
  }
  return getArray(model, key);
}
