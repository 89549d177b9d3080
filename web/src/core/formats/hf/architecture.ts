// What one of llama.cpp's converter model classes contributes, as a plain object per architecture:
// its GGUF architecture, tensor filters and edits, generated tensors, hyperparameters and tokenizer.
import type { GgufArch } from './tensor-names.ts';
import type { ConvertContext } from './text-model.ts';

/** A tensor on its way through modify_tensors: the checkpoint's name and shape plus the edits to make. */
export interface WorkTensor {
  /** the name the mapping sees (an architecture may rename before mapping) */
  name: string;
  /** row-major shape; an architecture may shorten dimension 0 */
  shape: number[];
  /** first number in the name, the block id */
  readonly bid: number | undefined;
  permuteHeads?: number;
  addOne?: boolean;
}

/** A tensor the converter computes rather than reads (rope frequency factors) */
export interface GeneratedTensor {
  /** the name before mapping, e.g. "rope_freqs.weight" */
  readonly name: string;
  readonly values: Float32Array;
}

export interface Architecture {
  readonly ggufArch: GgufArch;
  /** refuse variants of the class that are not supported, before any work */
  check?(ctx: ConvertContext): Promise<void> | void;
  /** the class's filter_tensors: a new name, or null to drop the tensor */
  filterTensor?(name: string): string | null;
  /** anything modifyTensor needs that must be read first (Gemma 3's real vocabulary size) */
  prepare?(ctx: ConvertContext): Promise<void>;
  /** modify_tensors before the name is mapped; false drops the tensor */
  modifyTensor?(ctx: ConvertContext, t: WorkTensor): void | false;
  /** generate_extra_tensors; may also write metadata, which then comes before general.type */
  extraTensors?(ctx: ConvertContext): GeneratedTensor[];
  setGgufParameters(ctx: ConvertContext): void;
  setVocab(ctx: ConvertContext): Promise<void>;
}
