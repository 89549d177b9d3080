// One output tensor of the conversion and how its bytes are made from the source: which safetensors
// tensor (or generated values), the Q/K row permutation, the Gemma norm +1, a row limit, the output type.
// readRows produces exactly the bytes llama.cpp's converter writes for that tensor, reading only the
// byte ranges the requested rows need.
import type { ByteSource } from '../../byte-source.ts';
import { QuantsmithError, quoted } from '../../errors.ts';
import type { SourceTensor } from '../../engine/model-source.ts';
import { GgmlType } from '../../quant/ggml-types.ts';
import type { FloatDtype } from '../safetensors/dtypes.ts';
import type { SafetensorsTensor } from '../safetensors/header.ts';
import {
  bf16BitsToF32Bits, bitsToF32, f16BitsToF32Bits, f32BitsToBf16Bits, f32BitsToF16Bits, f32ToBits,
} from './float-bits.ts';

export type TensorInput =
  | { readonly kind: 'safetensors'; readonly file: ByteSource; readonly tensor: SafetensorsTensor; readonly dtype: FloatDtype }
  | { readonly kind: 'generated'; readonly values: Float32Array };

export interface TensorRecipe {
  /** GGUF tensor name */
  readonly name: string;
  /** the checkpoint's name, for messages */
  readonly sourceName: string;
  readonly input: TensorInput;
  /** shape in the checkpoint's (row-major) order, after any row limit */
  readonly shape: readonly number[];
  /** ggml type of the output: F32, F16 or BF16 */
  readonly type: number;
  /** Llama Q/K: undo the rotary interleave, dimension 0 grouped as `permuteHeads` heads × 2 halves */
  readonly permuteHeads?: number;
  /** Gemma norms: add 1 in the tensor's working precision */
  readonly addOne?: boolean;
}

const OUT_BYTES: Record<number, number> = { [GgmlType.F32]: 4, [GgmlType.F16]: 2, [GgmlType.BF16]: 2 };

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The recipe as a SourceTensor: ggml shape (reversed), rows read on demand. */
export function recipeToSourceTensor(recipe: TensorRecipe): SourceTensor {
  const rowLength = recipe.shape[recipe.shape.length - 1] ?? 1;
  const rowCount = elementCount(recipe.shape) / rowLength;
  const outRowBytes = rowLength * OUT_BYTES[recipe.type]!;
  return {
    name: recipe.name,
    shape: [...recipe.shape].reverse(),
    type: recipe.type,
    byteLength: rowCount * outRowBytes,
    readRows: async (firstRow, count) => {
      if (!Number.isInteger(firstRow) || !Number.isInteger(count) || firstRow < 0 || count < 0 || firstRow + count > rowCount) {
        throw new QuantsmithError(`tensor ${quoted(recipe.name)}: rows ${firstRow}..${firstRow + count} are outside its ${rowCount} rows`);
      }
      return readRecipeRows(recipe, rowLength, firstRow, count);
    },
  };
}

/** Output row r of a permuted dimension comes from this source row (LlamaModel.permute). */
export function permutedSourceIndex(r: number, size: number, heads: number): number {
  const headSize = size / heads;
  const half = headSize / 2;
  const h = Math.floor(r / headSize);
  const rem = r - h * headSize;
  return h * headSize + (rem % 2) * half + Math.floor(rem / 2);
}

async function readRecipeRows(recipe: TensorRecipe, rowLength: number, firstRow: number, count: number): Promise<Uint8Array> {
  const { input } = recipe;
  if (input.kind === 'generated') {
    const out = new Float32Array(input.values.subarray(firstRow * rowLength, (firstRow + count) * rowLength));
    return new Uint8Array(out.buffer);
  }
  const itemBytes = input.dtype === 'F32' ? 4 : 2;
  const srcRowBytes = rowLength * itemBytes;
  const oneDim = recipe.shape.length === 1;
  const heads = recipe.permuteHeads;

  // which source rows the output rows come from
  const sourceRows: number[] = [];
  for (let r = firstRow; r < firstRow + count; r++) {
    sourceRows.push(heads !== undefined && !oneDim ? permutedSourceIndex(r, recipe.shape[0]!, heads) : r);
  }
  let lo = firstRow;
  let hi = firstRow; // exclusive
  for (const r of sourceRows) {
    lo = Math.min(lo, r);
    hi = Math.max(hi, r + 1);
  }
  const span = count === 0 ? new Uint8Array(0) : await input.file.read(input.tensor.offset + lo * srcRowBytes, (hi - lo) * srcRowBytes);

  const plainCopy = !recipe.addOne && (heads === undefined) && sameBits(input.dtype, recipe.type);
  if (plainCopy) return span;

  const src = aligned(span);
  const out = new Uint8Array(count * rowLength * OUT_BYTES[recipe.type]!);
  const convert = elementConverter(input.dtype, recipe.type, recipe.addOne === true);
  const srcWords = itemBytes === 4 ? new Uint32Array(src.buffer, src.byteOffset, src.byteLength / 4) : new Uint16Array(src.buffer, src.byteOffset, src.byteLength / 2);
  const outWords = recipe.type === GgmlType.F32 ? new Uint32Array(out.buffer) : new Uint16Array(out.buffer);
  for (let k = 0; k < count; k++) {
    const srcBase = (sourceRows[k]! - lo) * rowLength;
    const outBase = k * rowLength;
    if (oneDim && heads !== undefined) {
      for (let i = 0; i < rowLength; i++) outWords[outBase + i] = convert(srcWords[srcBase + permutedSourceIndex(i, rowLength, heads)]!);
    } else {
      for (let i = 0; i < rowLength; i++) outWords[outBase + i] = convert(srcWords[srcBase + i]!);
    }
  }
  return out;
}

function sameBits(dtype: FloatDtype, type: number): boolean {
  return (dtype === 'F32' && type === GgmlType.F32) || (dtype === 'F16' && type === GgmlType.F16);
}

/** Typed-array views need an aligned offset; copy the rare unaligned buffer. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
}

/**
 * The converter's path for one element: BF16 is widened to F32 first (F16 and F32 stay as they are),
 * the Gemma +1 happens in that precision, then the value is stored in the output type.
 */
export function elementConverter(dtype: FloatDtype, type: number, addOne: boolean): (bits: number) => number {
  // the common whole-model cases, without the general composition below
  if (!addOne) {
    if (dtype === type_(type)) return dtype === 'BF16' ? quietBf16 : (b) => b;
    if (dtype === 'F16' && type === GgmlType.F32) return f16BitsToF32Bits;
    if (dtype === 'BF16' && type === GgmlType.F32) return bf16BitsToF32Bits;
  }
  const toWorking: (b: number) => number =
    dtype === 'BF16' ? bf16BitsToF32Bits : (b) => b;
  const half = dtype === 'F16';
  const plusOne = !addOne ? (b: number) => b
    : half ? (b: number) => f32BitsToF16Bits(f32ToBits(bitsToF32(f16BitsToF32Bits(b)) + 1))
      : (b: number) => f32ToBits(bitsToF32(b) + 1);
  let store: (b: number) => number;
  if (type === GgmlType.F32) store = half ? f16BitsToF32Bits : (b) => b;
  else if (type === GgmlType.F16) store = half ? (b) => b : f32BitsToF16Bits;
  else if (type === GgmlType.BF16) store = half ? (b) => f32BitsToBf16Bits(f16BitsToF32Bits(b)) : f32BitsToBf16Bits;
  else throw new QuantsmithError(`cannot convert to ggml type ${type}`);
  return (b) => store(plusOne(toWorking(b)));
}

function type_(ggml: number): FloatDtype | undefined {
  return ggml === GgmlType.F32 ? 'F32' : ggml === GgmlType.F16 ? 'F16' : ggml === GgmlType.BF16 ? 'BF16' : undefined;
}

/** BF16 → F32 → BF16 through gguf-py's rounding changes nothing but signaling NaNs, which become quiet. */
function quietBf16(b: number): number {
  return (b & 0x7fff) > 0x7f80 ? b | 0x40 : b;
}
