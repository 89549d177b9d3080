// Tensor bytes posted to an evaluator worker are transferred; bytes that share a buffer with other data
// (a Node Buffer from its pool, a subarray) are copied first so nothing else is detached.
import type { TensorBytes } from '../core/eval/tensor-bytes.ts';

export function owned(t: TensorBytes): TensorBytes {
  const b = t.bytes;
  return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength && b.buffer instanceof ArrayBuffer ? t : { ...t, bytes: b.slice() };
}

export function buffersOf(tensors: readonly TensorBytes[]): ArrayBuffer[] {
  return tensors.map((t) => t.bytes.buffer as ArrayBuffer);
}
