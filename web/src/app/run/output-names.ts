// Default output file names, llama.cpp's convention: model-F16.gguf → model-Q4_K_M.gguf.
import { outputSplitPrefix, splitShardName } from '../../core/formats/gguf/split-names.ts';

/**
 * The model's base name: the file name without .gguf, without a split input's shard number
 * (-00001-of-00003) and without a trailing float type (-F16, .bf16, _f32).
 */
export function modelBaseName(sourceName: string): string {
  const stem = sourceName.replace(/\.gguf$/i, '').replace(/-\d{5,}-of-\d{5,}$/, '');
  const base = stem.replace(/[-_.](f16|bf16|f32|fp16|fp32)$/i, '');
  return base || stem || 'model';
}

export function outputFileName(sourceName: string, ftype: string): string {
  return `${modelBaseName(sourceName)}-${ftype}.gguf`;
}

/**
 * The files of one output: the name itself, or for a split output of `shards` files the names llama.cpp
 * gives them (NAME's stem-00001-of-0000N.gguf).
 */
export function outputFileNames(name: string, shards?: number): string[] {
  if (shards === undefined) return [name];
  const prefix = outputSplitPrefix(name);
  return Array.from({ length: shards }, (_, i) => splitShardName(prefix, i, shards));
}
