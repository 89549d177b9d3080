// The importance matrix chosen beside the model: read from a File (recognised by content, whatever its
// name), summarised for the page (datasets, chunks, which of the model's matrices it covers), and turned
// into the engine's options.
import type { ImportanceMatrix } from '../../core/imatrix/imatrix.ts';
import { readImatrix } from '../../core/imatrix/read-imatrix.ts';
import { readGgufHeader } from '../../core/formats/gguf/reader.ts';
import type { QuantizeOptions } from '../../core/quant/options.ts';
import { allowsQuantization } from '../../core/quant/tensor-roles.ts';
import { BlobSource } from '../../io/blob-source.ts';
import { blobSha256 } from './file-sha256.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { checkWantedFile, type WantedFile } from '../presets/wanted-file.ts';

export interface ChosenImatrix {
  /** the file's name: what the output's quantize.imatrix.file records */
  readonly fileName: string;
  /** hex SHA-256 of the file: a preset names it so that opening the preset asks for this very file */
  readonly sha256: string;
  readonly matrix: ImportanceMatrix;
}

/** Reads the matrix (refusing a file that is not one) and hashes the file, off the main thread by default. */
export async function openImatrixFile(file: Blob, name: string, sha256: (file: Blob) => Promise<string> = blobSha256): Promise<ChosenImatrix> {
  const matrix = await readImatrix(new BlobSource(file, name));
  return { fileName: name, sha256: await sha256(file), matrix };
}

/**
 * The importance matrix given for a preset that names one: accepted only when its SHA-256 is the one the
 * preset names (QuantsmithError naming both hashes otherwise); with no file named, any matrix is taken.
 */
export async function openWantedImatrix(file: Blob, name: string, wanted: WantedFile | undefined, sha256?: (file: Blob) => Promise<string>): Promise<ChosenImatrix> {
  const chosen = await openImatrixFile(file, name, sha256);
  const check = wanted ? checkWantedFile(name, chosen.sha256, wanted) : { ok: true as const };
  if (!check.ok) throw new QuantsmithError(check.message);
  return chosen;
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
