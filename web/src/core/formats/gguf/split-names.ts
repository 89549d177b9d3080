// Shard file names as llama.cpp's llama_split_path / llama_split_prefix spell them:
// PREFIX-00001-of-00004.gguf (numbers from 1, five digits or more).

export function splitShardName(prefix: string, index: number, count: number): string {
  const five = (n: number) => String(n).padStart(5, '0');
  return `${prefix}-${five(index + 1)}-of-${five(count)}.gguf`;
}

/** The prefix of a shard's name, or undefined when the name does not end as shard `index` of `count` would. */
export function splitPrefixOf(name: string, index: number, count: number): string | undefined {
  const suffix = splitShardName('', index, count);
  if (name.length <= suffix.length || !name.endsWith(suffix)) return undefined;
  return name.slice(0, name.length - suffix.length);
}

/** The prefix llama-quantize --keep-split and gguf-split name outputs with: the output path without ".gguf". */
export function outputSplitPrefix(path: string): string {
  return path.endsWith('.gguf') ? path.slice(0, -'.gguf'.length) : path;
}
