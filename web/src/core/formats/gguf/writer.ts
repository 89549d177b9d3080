// Lays out and encodes a GGUF file the way gguf.cpp writes one (as llama_model_quantize does): header,
// metadata, tensor infos, zero padding to the alignment, then each tensor's data padded to the alignment.
// computeGgufLayout is exact, so it is also the output-size estimate shown before quantizing.
import { QuantsmithError, quoted } from '../../errors.ts';
import { ggmlType } from '../../quant/ggml-types.ts';
import {
  GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType,
  type GgufArray, type GgufHeader, type GgufKV, type GgufTensorInfo, type GgufValue,
} from './model.ts';
import { GGUF_MAX_DIMS, GGUF_MAX_TENSOR_NAME } from './reader.ts';
import { padTo, significantDims, tensorByteLength } from './tensor-size.ts';
import { fixedValueSize } from './value-types.ts';

export interface GgufTensorSpec {
  readonly name: string;
  /** ggml order: shape[0] is the row length */
  readonly shape: readonly number[];
  /** ggml type id */
  readonly type: number;
}

export interface GgufWriteSpec {
  /** default 3 */
  readonly version?: number;
  readonly metadata: readonly GgufKV[];
  readonly tensors: readonly GgufTensorSpec[];
  /**
   * Default 32. Given explicitly, not taken from general.alignment: llama_model_quantize copies that key
   * but lays its output out with the default alignment.
   */
  readonly alignment?: number;
}

/** A header with every offset filled in, plus the size of the whole file it describes. */
export interface GgufLayout extends GgufHeader {
  /** dataOffset + each tensor's byteLength padded to the alignment */
  readonly fileSize: number;
}

export function computeGgufLayout(spec: GgufWriteSpec): GgufLayout {
  const version = spec.version ?? 3;
  const alignment = spec.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new QuantsmithError(`alignment ${alignment} is not a non-zero power of two`);
  }
  const names = new Set<string>();
  let offset = 0;
  const tensors: GgufTensorInfo[] = spec.tensors.map((t) => {
    checkTensorSpec(t, names);
    const byteLength = tensorByteLength(t.type, t.shape);
    const info: GgufTensorInfo = { name: t.name, shape: [...t.shape], type: t.type, offset, byteLength };
    offset += padTo(byteLength, alignment);
    return info;
  });
  const dataOffset = padTo(unpaddedHeaderSize(spec.metadata, tensors), alignment);
  return { version, metadata: spec.metadata, tensors, alignment, dataOffset, fileSize: dataOffset + offset };
}

function checkTensorSpec(t: GgufTensorSpec, names: Set<string>): void {
  if (names.has(t.name)) throw new QuantsmithError(`duplicate tensor name ${quoted(t.name)}`);
  names.add(t.name);
  if (utf8Length(t.name) >= GGUF_MAX_TENSOR_NAME) {
    throw new QuantsmithError(`tensor name ${quoted(t.name)} is too long: at most ${GGUF_MAX_TENSOR_NAME - 1} bytes`);
  }
  if (t.shape.length > GGUF_MAX_DIMS) {
    throw new QuantsmithError(`tensor ${quoted(t.name)} has ${t.shape.length} dimensions, at most ${GGUF_MAX_DIMS} are allowed`);
  }
  if (t.shape.some((d) => !Number.isSafeInteger(d) || d <= 0)) {
    throw new QuantsmithError(`tensor ${quoted(t.name)} has a non-positive or non-integer dimension: [${t.shape.join(', ')}]`);
  }
  if (!ggmlType(t.type)) throw new QuantsmithError(`tensor ${quoted(t.name)} has unknown ggml type id ${t.type}`);
}

/** Encodes everything before the tensor data: magic … tensor infos, zero-padded to header.dataOffset. */
export function encodeGgufHeader(header: GgufHeader): Uint8Array {
  const size = unpaddedHeaderSize(header.metadata, header.tensors);
  if (header.dataOffset < size || header.dataOffset !== padTo(size, header.alignment)) {
    throw new QuantsmithError(`data offset ${header.dataOffset} does not follow the ${size}-byte header padded to ${header.alignment}`);
  }
  const w = new HeaderWriter(header.dataOffset);
  w.u32(GGUF_MAGIC);
  w.u32(header.version);
  w.u64(BigInt(header.tensors.length));
  w.u64(BigInt(header.metadata.length));
  for (const kv of header.metadata) {
    w.string(kv.key);
    w.u32(kv.type);
    w.value(kv.type, kv.value);
  }
  for (const t of header.tensors) {
    w.string(t.name);
    const nDims = significantDims(t.shape);
    w.u32(nDims);
    for (let d = 0; d < nDims; d++) w.u64(BigInt(t.shape[d] ?? 1));
    w.u32(t.type);
    w.u64(BigInt(t.offset));
  }
  return w.bytes; // the rest is already zeros: the padding
}

/** Bytes from the magic to the end of the last tensor info, before the padding. */
function unpaddedHeaderSize(metadata: readonly GgufKV[], tensors: readonly GgufTensorInfo[]): number {
  let n = 4 + 4 + 8 + 8;
  for (const kv of metadata) n += 8 + utf8Length(kv.key) + 4 + valueSize(kv.type, kv.value);
  for (const t of tensors) n += 8 + utf8Length(t.name) + 4 + 8 * significantDims(t.shape) + 4 + 8;
  return n;
}

function valueSize(type: GgufValueType, value: GgufValue): number {
  if (type === GgufValueType.STRING) return 8 + utf8Length(value as string);
  if (type === GgufValueType.ARRAY) {
    const arr = value as GgufArray;
    const fixed = fixedValueSize(arr.itemType);
    if (fixed !== undefined) return 4 + 8 + fixed * arr.items.length;
    let n = 4 + 8;
    for (const item of arr.items) n += valueSize(arr.itemType, item);
    return n;
  }
  const fixed = fixedValueSize(type);
  if (fixed === undefined) throw new QuantsmithError(`unknown GGUF value type ${type}`);
  return fixed;
}

/** UTF-8 byte count of a JS string, without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // surrogate pair
      i++;
    } else n += 3; // includes lone surrogates, which TextEncoder writes as U+FFFD (3 bytes)
  }
  return n;
}

class HeaderWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  private readonly encoder = new TextEncoder();

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u32(v: number): void { this.view.setUint32(this.pos, v, true); this.pos += 4; }
  u64(v: bigint): void { this.view.setBigUint64(this.pos, v, true); this.pos += 8; }

  string(s: string): void {
    const lengthAt = this.pos;
    this.pos += 8;
    let written = 0;
    // ASCII is copied directly: vocabularies hold hundreds of thousands of short strings
    for (; written < s.length; written++) {
      const c = s.charCodeAt(written);
      if (c >= 0x80) break;
      this.bytes[this.pos + written] = c;
    }
    if (written < s.length) written = this.encoder.encodeInto(s, this.bytes.subarray(this.pos)).written;
    this.view.setBigUint64(lengthAt, BigInt(written), true);
    this.pos += written;
  }

  value(type: GgufValueType, v: GgufValue): void {
    const dv = this.view;
    switch (type) {
      case GgufValueType.UINT8: dv.setUint8(this.pos, v as number); break;
      case GgufValueType.INT8: dv.setInt8(this.pos, v as number); break;
      case GgufValueType.BOOL: dv.setInt8(this.pos, v ? 1 : 0); break;
      case GgufValueType.UINT16: dv.setUint16(this.pos, v as number, true); break;
      case GgufValueType.INT16: dv.setInt16(this.pos, v as number, true); break;
      case GgufValueType.UINT32: dv.setUint32(this.pos, v as number, true); break;
      case GgufValueType.INT32: dv.setInt32(this.pos, v as number, true); break;
      case GgufValueType.FLOAT32: dv.setFloat32(this.pos, v as number, true); break;
      case GgufValueType.UINT64: dv.setBigUint64(this.pos, BigInt(v as bigint | number), true); break;
      case GgufValueType.INT64: dv.setBigInt64(this.pos, BigInt(v as bigint | number), true); break;
      case GgufValueType.FLOAT64: dv.setFloat64(this.pos, v as number, true); break;
      case GgufValueType.STRING: this.string(v as string); return;
      case GgufValueType.ARRAY: {
        const arr = v as GgufArray;
        this.u32(arr.itemType);
        this.u64(BigInt(arr.items.length));
        for (const item of arr.items) this.value(arr.itemType, item);
        return;
      }
      default: throw new QuantsmithError(`unknown GGUF value type ${type as number}`);
    }
    this.pos += fixedValueSize(type)!;
  }
}
