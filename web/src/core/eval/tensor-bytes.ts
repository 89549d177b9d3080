// A tensor's raw bytes as read from a model file, handed to a worker (transferred, not copied).
export interface TensorBytes {
  readonly name: string;
  readonly type: number;
  /** ggml order: shape[0] is the row length */
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}
