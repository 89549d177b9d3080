// Reads a GGUF file's header (metadata and tensor infos) through byte-range reads, with the checks
// llama.cpp's gguf.cpp makes when it opens a file, each reported as a one-line QuantsmithError with the
// byte offset of the field at fault. Tensor data is not read, only checked to lie inside the file.
import type { ByteSource } from '../../byte-source.ts';
import { QuantsmithError, quoted } from '../../errors.ts';
import { ggmlType } from '../../quant/ggml-types.ts';
import { ByteCursor } from './byte-cursor.ts';
import {
  GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType,
  type GgufArray, type GgufHeader, type GgufKV, type GgufTensorInfo, type GgufValue,
} from './model.ts';
import { padTo } from './tensor-size.ts';
import { fixedValueSize, ggufValueTypeName, isGgufValueType, minValueSize } from './value-types.ts';

/** Versions this reader (like llama.cpp) accepts. */
export const GGUF_SUPPORTED_VERSIONS: readonly number[] = [2, 3];
/** GGML_MAX_DIMS */
export const GGUF_MAX_DIMS = 4;
/** GGML_MAX_NAME: a tensor name must be shorter than this (the C string includes its terminator) */
export const GGUF_MAX_TENSOR_NAME = 64;
/** gguf.cpp's GGUF_MAX_STRING_LENGTH and GGUF_MAX_ARRAY_ELEMENTS */
const MAX_STRING_LENGTH = 1024 * 1024 * 1024;
const MAX_ARRAY_ELEMENTS = 1024 * 1024 * 1024;
/** fewest bytes of one metadata entry: key length, a 1-byte key, value type, a 1-byte value */
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
/** fewest bytes of one tensor info: name length, dimension count, type, offset */
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
/** bytes of an over-long string read for the excerpt in its message */
const EXCERPT_BYTES = 48;

export interface ReadGgufOptions {
  /** bytes fetched per source read (default 1 MiB) */
  readonly windowSize?: number;
}

export async function readGgufHeader(src: ByteSource, options: ReadGgufOptions = {}): Promise<GgufHeader> {
  const cur = new ByteCursor(src, 'header', options.windowSize);
  await readMagic(cur);
  const version = await readVersion(cur);
  const tensorCount = await readCount(cur, 'tensor', MIN_TENSOR_INFO_BYTES);
  const kvCount = await readCount(cur, 'metadata entry', MIN_KV_BYTES);

  cur.section = 'metadata';
  const metadata: GgufKV[] = [];
  const invalidUtf8: string[] = [];
  const keys = new Set<string>();
  const kvOffsets: number[] = [];
  for (let i = 0; i < kvCount; i++) {
    const at = cur.position;
    const key = await readString(cur, `key of metadata entry ${i}`);
    if (key.length === 0) throw new QuantsmithError(`metadata entry ${i} has an empty key`, at);
    if (keys.has(key)) throw new QuantsmithError(`duplicate metadata key ${quoted(key)}`, at);
    keys.add(key);
    const typeAt = cur.position;
    const type = await cur.i32();
    if (!isGgufValueType(type)) {
      throw new QuantsmithError(`metadata key ${quoted(key)} has unknown value type ${type}`, typeAt);
    }
    metadata.push({ key, type, value: await readValue(cur, type, key) });
    kvOffsets.push(at);
    if (cur.sawInvalidUtf8) invalidUtf8.push(key);
    cur.sawInvalidUtf8 = false;
  }
  const alignment = checkAlignment(metadata, kvOffsets);

  cur.section = 'tensor info';
  const tensors: GgufTensorInfo[] = [];
  const offsetFields: number[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const { info, offsetAt } = await readTensorInfo(cur, i, names);
    tensors.push(info);
    offsetFields.push(offsetAt);
    if (cur.sawInvalidUtf8) invalidUtf8.push(info.name);
    cur.sawInvalidUtf8 = false;
  }

  // The data section starts at the next multiple of the alignment (gguf.cpp pads only when there are tensors).
  const dataOffset = tensorCount > 0 ? padTo(cur.position, alignment) : cur.position;
  if (tensorCount > 0 && dataOffset > src.size) {
    throw new QuantsmithError(
      `file is truncated: the tensor data section would start at byte ${dataOffset} but the file has ${src.size} bytes`,
      cur.position,
    );
  }
  checkTensorPlacement(tensors, offsetFields, alignment, dataOffset, src.size);
  const header: GgufHeader = { version, metadata, tensors, alignment, dataOffset };
  return invalidUtf8.length > 0 ? { ...header, invalidUtf8 } : header;
}

async function readMagic(cur: ByteCursor): Promise<void> {
  if (cur.remaining < 4) {
    throw new QuantsmithError(`not a GGUF file: it has only ${cur.remaining} bytes`, 0);
  }
  const head = await cur.bytes(Math.min(cur.remaining, 9));
  const magic = head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24);
  cur.position = 4;
  if (magic === GGUF_MAGIC) return;
  // A safetensors file starts with an 8-byte little-endian header length and then its JSON header.
  if (head.length === 9 && head[8] === 0x7b /* { */) {
    throw new QuantsmithError('not a GGUF file: this looks like a safetensors file (open its folder as a Hugging Face model instead)', 0);
  }
  const shown = Array.from(head.subarray(0, 4), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
  throw new QuantsmithError(`not a GGUF file: it starts with '${shown}' instead of 'GGUF'`, 0);
}

async function readVersion(cur: ByteCursor): Promise<number> {
  const at = cur.position;
  const version = await cur.u32();
  if (version !== 0 && (version & 0xffff) === 0) {
    throw new QuantsmithError(
      `unsupported GGUF version ${version}: the file was probably written with the other byte order (big-endian)`,
      at,
    );
  }
  if (!GGUF_SUPPORTED_VERSIONS.includes(version)) {
    throw new QuantsmithError(`unsupported GGUF version ${version} (only versions 2 and 3 can be read)`, at);
  }
  return version;
}

/** A tensor or metadata count, checked against what the rest of the file could hold. */
async function readCount(cur: ByteCursor, what: string, minBytesEach: number): Promise<number> {
  const at = cur.position;
  const n = await cur.i64();
  if (n < 0n) throw new QuantsmithError(`${what} count ${n} is negative`, at);
  const fit = Math.floor(cur.remaining / minBytesEach);
  if (n > BigInt(fit)) {
    throw new QuantsmithError(
      `absurd ${what} count ${n}: the ${cur.remaining} bytes left in the file can hold at most ${fit}`,
      at,
    );
  }
  return Number(n);
}

async function readString(cur: ByteCursor, what: string, maxBytes?: number): Promise<string> {
  if (maxBytes === undefined) {
    const fast = cur.stringInWindow();
    if (fast !== undefined) return fast;
  }
  const at = cur.position;
  const n = await cur.u64();
  if (n > BigInt(cur.remaining) || n > BigInt(MAX_STRING_LENGTH)) {
    throw new QuantsmithError(
      `string length ${n} of ${what} is more than the ${cur.remaining} bytes left in the file (truncated or corrupt file)`,
      at,
    );
  }
  if (maxBytes !== undefined && n > BigInt(maxBytes)) {
    // only a short excerpt is read: the message needs no more, and the declared length may be huge
    const excerpt = await cur.text(Math.min(Number(n), 2 * EXCERPT_BYTES));
    throw new StringTooLong(excerpt, Number(n), at);
  }
  return cur.text(Number(n));
}

/** A string whose declared length is over the limit its field allows. */
class StringTooLong extends Error {
  constructor(readonly excerpt: string, readonly declaredBytes: number, readonly at: number) {
    super('string too long');
  }
}

async function readValue(cur: ByteCursor, type: GgufValueType, key: string): Promise<GgufValue> {
  switch (type) {
    case GgufValueType.UINT8: return cur.u8();
    case GgufValueType.INT8: return cur.i8();
    case GgufValueType.UINT16: return cur.u16();
    case GgufValueType.INT16: return cur.i16();
    case GgufValueType.UINT32: return cur.u32();
    case GgufValueType.INT32: return cur.i32();
    case GgufValueType.FLOAT32: return cur.f32();
    case GgufValueType.BOOL: return (await cur.i8()) !== 0;
    case GgufValueType.STRING: return readString(cur, `metadata key ${quoted(key)}`);
    case GgufValueType.UINT64: return cur.u64();
    case GgufValueType.INT64: return cur.i64();
    case GgufValueType.FLOAT64: return cur.f64();
    case GgufValueType.ARRAY: return readArray(cur, key);
  }
}

async function readArray(cur: ByteCursor, key: string): Promise<GgufArray> {
  const typeAt = cur.position;
  const itemType = await cur.i32();
  if (!isGgufValueType(itemType)) {
    throw new QuantsmithError(`metadata key ${quoted(key)} is an array of unknown value type ${itemType}`, typeAt);
  }
  const countAt = cur.position;
  const count = await cur.u64();
  const fit = Math.floor(cur.remaining / minValueSize(itemType));
  if (count > BigInt(fit) || count > BigInt(MAX_ARRAY_ELEMENTS)) {
    throw new QuantsmithError(
      `array length ${count} of metadata key ${quoted(key)} (${ggufValueTypeName(itemType)}) is more than the ${cur.remaining} bytes left in the file can hold`,
      countAt,
    );
  }
  const n = Number(count);
  const size = fixedValueSize(itemType);
  // Fixed-size items are decoded from one read; strings and nested arrays one by one.
  const items = size !== undefined ? decodeFixed(itemType, await cur.bytes(n * size), n) : [];
  if (itemType === GgufValueType.STRING) {
    for (let i = 0; i < n; i++) items.push(cur.stringInWindow() ?? (await readString(cur, `metadata key ${quoted(key)}`)));
  } else if (size === undefined) {
    for (let i = 0; i < n; i++) items.push(await readValue(cur, itemType, key));
  }
  return { itemType, items };
}

function decodeFixed(type: GgufValueType, bytes: Uint8Array, n: number): GgufValue[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<GgufValue>(n);
  switch (type) {
    case GgufValueType.UINT8: for (let i = 0; i < n; i++) out[i] = v.getUint8(i); break;
    case GgufValueType.INT8: for (let i = 0; i < n; i++) out[i] = v.getInt8(i); break;
    case GgufValueType.BOOL: for (let i = 0; i < n; i++) out[i] = v.getInt8(i) !== 0; break;
    case GgufValueType.UINT16: for (let i = 0; i < n; i++) out[i] = v.getUint16(i * 2, true); break;
    case GgufValueType.INT16: for (let i = 0; i < n; i++) out[i] = v.getInt16(i * 2, true); break;
    case GgufValueType.UINT32: for (let i = 0; i < n; i++) out[i] = v.getUint32(i * 4, true); break;
    case GgufValueType.INT32: for (let i = 0; i < n; i++) out[i] = v.getInt32(i * 4, true); break;
    case GgufValueType.FLOAT32: for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true); break;
    case GgufValueType.UINT64: for (let i = 0; i < n; i++) out[i] = v.getBigUint64(i * 8, true); break;
    case GgufValueType.INT64: for (let i = 0; i < n; i++) out[i] = v.getBigInt64(i * 8, true); break;
    case GgufValueType.FLOAT64: for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true); break;
    default: throw new Error(`not a fixed-size GGUF type: ${type}`);
  }
  return out;
}

/** general.alignment, which gguf.cpp requires to be a u32 power of two. */
function checkAlignment(metadata: readonly GgufKV[], offsets: readonly number[]): number {
  const i = metadata.findIndex((kv) => kv.key === 'general.alignment');
  if (i < 0) return GGUF_DEFAULT_ALIGNMENT;
  const kv = metadata[i];
  if (kv.type !== GgufValueType.UINT32) {
    throw new QuantsmithError(`general.alignment must be of type u32 but is ${ggufValueTypeName(kv.type)}`, offsets[i]);
  }
  const a = kv.value as number;
  if (a === 0 || (a & (a - 1)) !== 0) {
    throw new QuantsmithError(`general.alignment ${a} is not a non-zero power of two`, offsets[i]);
  }
  return a;
}

/** One tensor info, and the absolute offset of its data-offset field (for messages about placement). */
async function readTensorInfo(
  cur: ByteCursor, i: number, names: Set<string>,
): Promise<{ info: GgufTensorInfo; offsetAt: number }> {
  const at = cur.position;
  let name: string;
  try {
    name = await readString(cur, `name of tensor ${i}`, GGUF_MAX_TENSOR_NAME - 1);
  } catch (e) {
    if (!(e instanceof StringTooLong)) throw e;
    throw new QuantsmithError(
      `tensor ${i} name ${quoted(e.excerpt, e.declaredBytes)} is too long: at most ${GGUF_MAX_TENSOR_NAME - 1} bytes`, at,
    );
  }
  if (names.has(name)) throw new QuantsmithError(`duplicate tensor name ${quoted(name)}`, at);
  names.add(name);
  const label = quoted(name);

  const dimsAt = cur.position;
  const nDims = await cur.u32();
  if (nDims > GGUF_MAX_DIMS) {
    throw new QuantsmithError(`tensor ${label} has ${nDims} dimensions, at most ${GGUF_MAX_DIMS} are allowed`, dimsAt);
  }
  const shape: number[] = [];
  let elements = 1n;
  for (let d = 0; d < nDims; d++) {
    const dimAt = cur.position;
    const ne = await cur.i64();
    if (ne <= 0n) throw new QuantsmithError(`tensor ${label} dimension ${d} has non-positive size ${ne}`, dimAt);
    elements *= ne;
    if (elements > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new QuantsmithError(`tensor ${label} element count overflows: its shape multiplies past 2^53`, dimAt);
    }
    shape.push(Number(ne));
  }

  const typeAt = cur.position;
  const type = await cur.i32();
  const traits = ggmlType(type);
  if (!traits) throw new QuantsmithError(`tensor ${label} has unknown ggml type id ${type}`, typeAt);
  const rowLength = shape.length > 0 ? shape[0] : 1;
  if (rowLength % traits.blockSize !== 0) {
    throw new QuantsmithError(
      `tensor ${label} of type ${traits.name} has row length ${rowLength}, not a multiple of the block size ${traits.blockSize}`,
      dimsAt,
    );
  }
  const byteLength = (Number(elements) / traits.blockSize) * traits.bytesPerBlock;

  const offsetAt = cur.position;
  const offset = await cur.u64();
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new QuantsmithError(`tensor ${label} data offset ${offset} is past the end of the file`, offsetAt);
  }
  return { info: { name, shape, type, offset: Number(offset), byteLength }, offsetAt };
}

/**
 * gguf.cpp requires tensors to be stored in order, each starting where the previous one ends padded to
 * the alignment; and their data must lie inside the file.
 */
function checkTensorPlacement(
  tensors: readonly GgufTensorInfo[], offsetFields: readonly number[],
  alignment: number, dataOffset: number, fileSize: number,
): void {
  let expected = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    const at = offsetFields[i];
    if (t.offset % alignment !== 0) {
      throw new QuantsmithError(`tensor ${quoted(t.name)} data offset ${t.offset} is misaligned: not a multiple of the alignment ${alignment}`, at);
    }
    const end = dataOffset + t.offset + t.byteLength;
    if (end > fileSize) {
      throw new QuantsmithError(
        `tensor ${quoted(t.name)} data (${t.byteLength} bytes at data offset ${t.offset}) ends at byte ${end}, past the end of the file (${fileSize} bytes): truncated file or bad offset`,
        at,
      );
    }
    if (t.offset < expected) {
      throw new QuantsmithError(`tensor ${quoted(t.name)} data at offset ${t.offset} overlaps the previous tensor, which ends at ${expected}`, at);
    }
    if (t.offset > expected) {
      throw new QuantsmithError(`tensor ${quoted(t.name)} data offset ${t.offset} leaves a gap: llama.cpp expects ${expected} (tensors stored in order, each padded to the alignment)`, at);
    }
    expected = padTo(t.offset + t.byteLength, alignment);
  }
}
