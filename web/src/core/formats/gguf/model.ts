// The GGUF data model shared by the reader, the writer, the plan and the engine.

export enum GgufValueType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

/** 64-bit integers are bigint; every other number is a JS number. */
export type GgufScalar = number | bigint | boolean | string;
export interface GgufArray {
  readonly itemType: GgufValueType;
  readonly items: readonly GgufValue[];
}
export type GgufValue = GgufScalar | GgufArray;

/** One metadata entry; order in the file is kept (llama.cpp's writer preserves it). */
export interface GgufKV {
  readonly key: string;
  readonly type: GgufValueType;
  readonly value: GgufValue;
}

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: shape[0] is the row length (ne0) */
  readonly shape: readonly number[];
  /** ggml type id */
  readonly type: number;
  /** offset of the data relative to the start of the data section */
  readonly offset: number;
  /** bytes of data, from type and shape */
  readonly byteLength: number;
}

export interface GgufHeader {
  readonly version: number;
  readonly metadata: readonly GgufKV[];
  readonly tensors: readonly GgufTensorInfo[];
  /** general.alignment, or 32 */
  readonly alignment: number;
  /** absolute file offset where the data section starts */
  readonly dataOffset: number;
  /**
   * Metadata keys (and tensor names) whose text was not valid UTF-8: it was read with U+FFFD in place of the
   * bad bytes, so writing it back would not reproduce the input byte for byte. Absent when there are none.
   */
  readonly invalidUtf8?: readonly string[];
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;
