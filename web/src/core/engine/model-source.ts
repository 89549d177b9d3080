// What the engine quantizes: a model seen as GGUF metadata plus tensors whose rows can be read on demand.
// A GGUF file is one; a Hugging Face safetensors folder, converted on the fly, is another.
import type { GgufKV } from '../formats/gguf/model.ts';
import type { SourceRange } from '../byte-source.ts';

export interface SourceTensor {
  readonly name: string;
  /** ggml order: shape[0] is the row length */
  readonly shape: readonly number[];
  /** ggml type id of the bytes readRows returns */
  readonly type: number;
  readonly byteLength: number;
  /** split models: the shard holding the tensor (0 for a single file) */
  readonly shard?: number;
  /** offset of the tensor's data within its file's data section (the order --keep-split writes in) */
  readonly dataOffset?: number;
  /** Rows [firstRow, firstRow + rowCount) as bytes of `type`; a row is shape[0] elements, rows = product of shape[1..]. */
  readRows(firstRow: number, rowCount: number): Promise<Uint8Array>;
  /**
   * Optional, for rows stored as they are in a source a worker can open itself: where readRows would read
   * them, so a worker reads them instead (absent when the bytes are made on the fly or cannot be reopened).
   */
  locateRows?(firstRow: number, rowCount: number): SourceRange;
}

/** A float type a converter can write a model in, with llama-quantize's spelling. */
export type FloatOuttype = 'F32' | 'F16' | 'BF16';

/** A model as a converter writes it: metadata and tensors in file order, each tensor with its type in that file. */
export interface ConvertedModel {
  readonly metadata: readonly GgufKV[];
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly type: number }[];
}

export interface ModelSource {
  /** file or folder name, for messages and default output names */
  readonly name: string;
  readonly format: 'gguf' | 'safetensors';
  /** bytes of the source on disk */
  readonly sizeBytes: number;
  /** metadata in GGUF form, in the order a GGUF file (or llama.cpp's converter) would hold it */
  readonly metadata: readonly GgufKV[];
  readonly tensors: readonly SourceTensor[];
  /**
   * Sources converted on the fly (Hugging Face folders) only: the file llama.cpp's converter writes with
   * `--outtype` = this type. A plain F32/F16/BF16 output of such a source is that file, not a quantizer pass.
   */
  convertedAs?(outtype: FloatOuttype): ConvertedModel;
  close(): Promise<void>;
}

export function tensorRows(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}
