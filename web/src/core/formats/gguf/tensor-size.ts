// Sizes of tensors from their ggml type and shape (ggml_nelements / ggml_nbytes for contiguous tensors),
// and the padding rule GGUF uses between tensors.
import { QuantsmithError } from '../../errors.ts';
import { ggmlType } from '../../quant/ggml-types.ts';

/** Product of the dimensions. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes of a contiguous tensor of `type` and `shape` (ggml order, shape[0] = row length). */
export function tensorByteLength(type: number, shape: readonly number[]): number {
  const traits = ggmlType(type);
  if (!traits) throw new QuantsmithError(`unknown ggml type id ${type}`);
  const rowLength = shape.length === 0 ? 1 : shape[0];
  if (rowLength % traits.blockSize !== 0) {
    throw new QuantsmithError(
      `row length ${rowLength} is not a multiple of the ${traits.name} block size ${traits.blockSize}`,
    );
  }
  return (elementCount(shape) / traits.blockSize) * traits.bytesPerBlock;
}

/** GGML_PAD: `n` rounded up to a multiple of `alignment` (a power of two). */
export function padTo(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** ggml_n_dims: the number of dimensions without trailing ones, at least 1 (what gguf.cpp writes). */
export function significantDims(shape: readonly number[]): number {
  let n = shape.length;
  while (n > 1 && shape[n - 1] === 1) n--;
  return Math.max(n, 1);
}
