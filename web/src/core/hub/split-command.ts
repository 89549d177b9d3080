// The llama.cpp step that splits an output as Quantsmith's --split-max-size / --split-max-tensors did:
// llama-gguf-split --split over llama-quantize's file, writing PREFIX-00001-of-0000N.gguf … beside it.
import { outputSplitPrefix } from '../formats/gguf/split-names.ts';
import type { QuantizeOptions } from '../quant/options.ts';
import { shellQuote } from '../shell-quote.ts';

/** a size in bytes as --split-max-size takes it (parseSplitSizeOption's N M or N G; every such size is whole megabytes) */
export function splitSizeText(bytes: number): string {
  return bytes % 1e9 === 0 ? `${bytes / 1e9}G` : `${Math.round(bytes / 1e6)}M`;
}

/** The llama-gguf-split command for the split in `options`, or undefined when they ask for none. */
export function ggufSplitCommand(unsplitFile: string, options: Pick<QuantizeOptions, 'splitMaxSize' | 'splitMaxTensors'>): string | undefined {
  const by = options.splitMaxSize !== undefined
    ? ['--split-max-size', splitSizeText(options.splitMaxSize)]
    : options.splitMaxTensors !== undefined ? ['--split-max-tensors', String(options.splitMaxTensors)] : undefined;
  if (!by) return undefined;
  return ['llama-gguf-split', '--split', ...by, unsplitFile, outputSplitPrefix(unsplitFile)].map(shellQuote).join(' ');
}
