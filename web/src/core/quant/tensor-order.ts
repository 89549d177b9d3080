// The order llama.cpp's quantizer writes tensors in: its model loader keeps them in a map sorted by
// layer number (read from the name as sscanf("blk.%d.") does, -1 when there is none), then by name
// bytes. So output.weight, output_norm.weight, token_embd.weight come first, and blk.10 follows blk.9.

const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/**
 * The layer number sscanf(name, "blk.%d.", &layer) stores, or undefined when it stores none.
 * Like sscanf it skips white space before the number, takes a sign, ignores what follows the digits
 * (a missing trailing '.' still leaves the number stored) and wraps an oversized number to 32 bits.
 */
export function scanLayerNumber(name: string): number | undefined {
  if (!name.startsWith('blk.')) return undefined;
  let i = 4;
  while (i < name.length && C_SPACE.has(name[i])) i++;
  const m = /^[+-]?\d+/.exec(name.slice(i));
  if (!m) return undefined;
  // glibc reads a long (saturating at 64 bits), then stores it into an int
  let n = BigInt(m[0]);
  const max = 2n ** 63n - 1n;
  if (n > max) n = max;
  if (n < -max - 1n) n = -max - 1n;
  return Number(BigInt.asIntN(32, n));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Returns the items sorted as llama.cpp's weight_name_comparer sorts tensor names. */
export function sortLikeLlamaLoader<T extends { readonly name: string }>(items: readonly T[]): T[] {
  const enc = new TextEncoder();
  const keyed = items.map((item) => ({ item, layer: scanLayerNumber(item.name) ?? -1, bytes: enc.encode(item.name) }));
  keyed.sort((a, b) => (a.layer !== b.layer ? a.layer - b.layer : compareBytes(a.bytes, b.bytes)));
  return keyed.map((k) => k.item);
}
