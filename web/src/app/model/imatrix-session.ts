// The importance matrix chosen beside the model: read from a File (recognised by content, whatever its
// name), summarised for the page (datasets, chunks, which of the model's matrices it covers), and turned
// into the engine's options.
import type { ImportanceMatrix } from '../../core/imatrix/imatrix.ts';
import { readImatrix } from '../../core/imatrix/read-imatrix.ts';
import { readGgufHeader } from '../../core/formats/gguf/reader.ts';
import type { QuantizeOptions } from '../../core/quant/options.ts';
import { allowsQuantization } from '../../core/quant/tensor-roles.ts';
import { BlobSource } from '../../io/blob-source.ts';

export interface ChosenImatrix {
  /** the file's name: what the output's quantize.imatrix.file records */
  readonly fileName: string;
  readonly matrix: ImportanceMatrix;
}

export async function openImatrixFile(file: Blob, name: string): Promise<ChosenImatrix> {
  return { fileName: name, matrix: await readImatrix(new BlobSource(file, name)) };
}

/**
 * Whether a dropped file is an importance matrix rather than a model: a GGUF whose general.type is
 * 'imatrix', or a file that reads as a legacy .dat (models are GGUF or safetensors, neither of which does).
 */
export async function isImatrixFile(file: Blob, name: string): Promise<boolean> {
  const src = new BlobSource(file, name);
  try {
    const head = src.size >= 4 ? new TextDecoder().decode(await src.read(0, 4)) : '';
    if (head === 'GGUF') {
      const header = await readGgufHeader(src);
      return header.metadata.some((kv) => kv.key === 'general.type' && kv.value === 'imatrix');
    }
    await readImatrix(src);
    return true;
  } catch {
    return false;
  }
}

export interface ImatrixCoverage {
  readonly datasets: readonly string[];
  readonly chunkCount: number;
  /** tokens per chunk; 0 when the file does not say (legacy .dat) */
  readonly chunkSize: number;
  readonly entries: number;
  /** the model's quantizable matrices with an entry, and those without (token_embd and output never have one) */
  readonly covered: readonly string[];
  readonly uncovered: readonly string[];
  /** entries naming tensors this model lacks (the plan refuses such a file) */
  readonly foreign: readonly string[];
}

export function imatrixCoverage(m: ImportanceMatrix, source: { readonly tensors: readonly { readonly name: string; readonly shape: readonly number[] }[] }): ImatrixCoverage {
  const names = new Set(m.entries.map((e) => e.name));
  const matrices = source.tensors.filter((t) => allowsQuantization(t.name, t.shape, true)).map((t) => t.name);
  const inModel = new Set(source.tensors.map((t) => t.name));
  return {
    datasets: m.datasets,
    chunkCount: m.chunkCount,
    chunkSize: m.chunkSize,
    entries: m.entries.length,
    covered: matrices.filter((n) => names.has(n)),
    uncovered: matrices.filter((n) => !names.has(n)),
    foreign: m.entries.map((e) => e.name).filter((n) => !inModel.has(n)),
  };
}

/** The engine's options with the importance matrix (none: unchanged). */
export function withImatrix(options: QuantizeOptions, chosen: ChosenImatrix | null): QuantizeOptions {
  return chosen ? { ...options, imatrixFile: chosen.fileName, imatrix: chosen.matrix } : options;
}
