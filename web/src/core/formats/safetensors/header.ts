// Reads a .safetensors file's header through byte-range reads: an 8-byte little-endian length, then that
// many bytes of JSON naming each tensor's dtype, shape and [begin, end) byte range in the data that follows.
// Every check a broken or hostile file could fail is made here, with a one-line error naming the file.
import type { ByteSource } from '../../byte-source.ts';
import { oneLine, QuantsmithError, quoted, quotedJson } from '../../errors.ts';
import { SAFETENSORS_DTYPE_BYTES } from './dtypes.ts';

/** The official library refuses headers above this size; so do we, before reading them. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  /** as stored: row-major, last dimension fastest */
  readonly shape: readonly number[];
  /** absolute file offset of the first byte */
  readonly offset: number;
  readonly byteLength: number;
}

export interface SafetensorsHeader {
  /** in header order */
  readonly tensors: readonly SafetensorsTensor[];
  /** the optional "__metadata__" string map */
  readonly metadata: Readonly<Record<string, string>>;
  /** absolute offset where the data section starts */
  readonly dataOffset: number;
}

export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsHeader> {
  const fail: Fail = (what, offset) => {
    throw new QuantsmithError(`${src.name}: ${what}`, offset);
  };
  if (src.size < 8) fail(`file is too short to be safetensors (${src.size} bytes)`);
  const lengthBytes = await src.read(0, 8);
  const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(src.size - 8)) {
    fail(`safetensors header length ${headerLength} runs past the end of the file (${src.size} bytes)`, 0);
  }
  if (headerLength > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    fail(`safetensors header of ${headerLength} bytes is larger than the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`, 0);
  }
  const dataOffset = 8 + Number(headerLength);
  const dataLength = src.size - dataOffset;

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await src.read(8, dataOffset - 8)));
  } catch (e) {
    if (e instanceof QuantsmithError) throw e;
    fail(`safetensors header is not valid UTF-8 JSON (${oneLine((e as Error).message, 120)})`, 8);
  }
  if (!isPlainObject(json)) fail('safetensors header is not a JSON object', 8);

  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry, fail);
      continue;
    }
    tensors.push(checkTensor(name, entry, dataOffset, dataLength, fail));
  }
  checkNoOverlap(tensors, fail);
  return { tensors, metadata, dataOffset };
}

type Fail = (what: string, offset?: number) => never;

function checkTensor(name: string, entry: unknown, dataOffset: number, dataLength: number, fail: Fail): SafetensorsTensor {
  const label = `tensor ${quoted(name)}`;
  if (!isPlainObject(entry)) fail(`${label}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`${label}: missing dtype`);
  const itemSize = SAFETENSORS_DTYPE_BYTES[dtype as string];
  if (itemSize === undefined) fail(`${label}: unknown dtype ${quoted(String(dtype))}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${label}: shape must be a list of non-negative integers, not ${quotedJson(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`${label}: data_offsets must be two non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(`${label}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    fail(`${label}: data_offsets [${begin}, ${end}] run past the ${dataLength} bytes of data`, dataOffset + begin);
  }
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (elements * itemSize !== end - begin) {
    fail(`${label}: ${dtype} shape ${quotedJson(shape)} needs ${elements * itemSize} bytes but data_offsets span ${end - begin}`,
      dataOffset + begin);
  }
  return { name, dtype: dtype as string, shape: [...(shape as number[])], offset: dataOffset + begin, byteLength: end - begin };
}

function checkMetadata(entry: unknown, fail: Fail): Record<string, string> {
  if (!isPlainObject(entry) || !Object.values(entry as object).every((v) => typeof v === 'string')) {
    fail('"__metadata__" must map strings to strings');
  }
  return { ...(entry as Record<string, string>) };
}

function checkNoOverlap(tensors: readonly SafetensorsTensor[], fail: Fail): void {
  const byOffset = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const cur = byOffset[i]!;
    if (cur.offset < prev.offset + prev.byteLength) {
      fail(`tensors ${quoted(prev.name)} and ${quoted(cur.name)} overlap`, cur.offset);
    }
  }
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
