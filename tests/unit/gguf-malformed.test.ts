// Each damaged or hostile GGUF file is refused with a one-line message naming the problem and the byte
// offset where it is, mirroring the checks llama.cpp's gguf.cpp makes when it opens a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import type { GgufWriteSpec } from '../../web/src/core/formats/gguf/writer.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { encodeGgufFile } from '../fixtures/gguf-file.ts';
import { MemorySource } from '../fixtures/memory-source.ts';

const kv = (key: string, type: V, value: GgufKV['value']): GgufKV => ({ key, type, value });

const BASE_METADATA: GgufKV[] = [
  kv('general.architecture', V.STRING, 'llama'),
  kv('test.u32', V.UINT32, 7),
  kv('test.tokens', V.ARRAY, { itemType: V.STRING, items: ['<s>', '</s>', 'hello'] }),
];
const BASE: GgufWriteSpec = {
  metadata: BASE_METADATA,
  tensors: [
    { name: 'tensor.alpha', shape: [64, 2], type: GgmlType.F32 },
    { name: 'tensor.beta', shape: [64, 3], type: GgmlType.Q8_0 },
  ],
};

function build(spec: GgufWriteSpec = BASE): { bytes: Uint8Array; view: DataView } {
  const { bytes } = encodeGgufFile(spec);
  return { bytes, view: new DataView(bytes.buffer) };
}

/** Offset of the length prefix of the first string `s` stored in the file. */
function stringAt(bytes: Uint8Array, s: string): number {
  const needle = new Uint8Array(8 + s.length);
  new DataView(needle.buffer).setBigUint64(0, BigInt(s.length), true);
  needle.set(new TextEncoder().encode(s), 8);
  const i = Buffer.from(bytes).indexOf(Buffer.from(needle));
  assert.ok(i >= 0, `string '${s}' not found`);
  return i;
}

/** Offsets of a tensor info's fields (dims assumed 2-D as in BASE unless nDims says otherwise). */
function tensorFields(bytes: Uint8Array, name: string, nDims = 2) {
  const start = stringAt(bytes, name);
  const nDimsAt = start + 8 + name.length;
  const dimsAt = nDimsAt + 4;
  const typeAt = dimsAt + 8 * nDims;
  return { start, nDimsAt, dimsAt, typeAt, offsetAt: typeAt + 4 };
}

async function refused(bytes: Uint8Array, message: RegExp, offset: number): Promise<void> {
  await assert.rejects(readGgufHeader(new MemorySource(bytes)), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError, `expected a QuantsmithError, got ${String(e)}`);
    assert.match(e.message, message);
    assert.equal(e.offset, offset, `offset in "${e.message}"`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('the unmodified base file is accepted (so each refusal below is due to its damage)', async () => {
  const header = await readGgufHeader(new MemorySource(build().bytes));
  assert.equal(header.tensors.length, 2);
});

test('truncated inside the fixed header', async () => {
  await refused(build().bytes.slice(0, 12), /truncated.*header/, 8);
});

test('truncated inside the metadata', async () => {
  const { bytes } = build();
  const valueAt = stringAt(bytes, 'test.u32') + 8 + 'test.u32'.length + 4;
  await refused(bytes.slice(0, valueAt + 2), /truncated: metadata needs 4 more bytes but only 2 remain/, valueAt);
  const hello = stringAt(bytes, 'hello');
  await refused(bytes.slice(0, hello + 10), /string length 5 of metadata key 'test\.tokens' .*truncated/, hello);
});

test('truncated inside the tensor infos', async () => {
  const { bytes } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  await refused(bytes.slice(0, f.typeAt + 2), /truncated.*tensor info/, f.typeAt);
});

test('truncated inside the tensor data', async () => {
  const { bytes } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  await refused(bytes.slice(0, bytes.length - 40), /tensor 'tensor\.beta' data .*past the end of the file/, f.offsetAt);
});

test('wrong magic: not a GGUF file', async () => {
  const { bytes } = build();
  bytes.set(new TextEncoder().encode('GGML'), 0);
  await refused(bytes, /not a GGUF file.*'GGML'/, 0);
});

test('a safetensors file is recognized as such', async () => {
  const json = new TextEncoder().encode('{"__metadata__":{"format":"pt"}}');
  const bytes = new Uint8Array(8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  await refused(bytes, /not a GGUF file.*safetensors/, 0);
});

test('a tiny file is not a GGUF file', async () => {
  await refused(new Uint8Array([0x47, 0x47]), /not a GGUF file/, 0);
});

for (const version of [0, 1, 4]) {
  test(`GGUF version ${version} is refused, naming the version`, async () => {
    const { bytes, view } = build();
    view.setUint32(4, version, true);
    await refused(bytes, new RegExp(`unsupported GGUF version ${version}\\b`), 4);
  });
}

test('a byte-swapped (big-endian) version is refused with a hint', async () => {
  const { bytes, view } = build();
  view.setUint32(4, 3, false);
  await refused(bytes, /version 50331648.*byte order/, 4);
});

test('an absurd tensor count is refused', async () => {
  const { bytes, view } = build();
  view.setBigUint64(8, 1n << 40n, true);
  await refused(bytes, /absurd tensor count 1099511627776/, 8);
});

test('a negative metadata count is refused', async () => {
  const { bytes, view } = build();
  view.setBigInt64(16, -1n, true);
  await refused(bytes, /metadata entry count -1 is negative/, 16);
});

test('an absurd metadata count is refused', async () => {
  const { bytes, view } = build();
  view.setBigUint64(16, 100000n, true);
  await refused(bytes, /absurd metadata entry count 100000/, 16);
});

test('a string length past the end of the file is refused', async () => {
  const { bytes, view } = build();
  const at = stringAt(bytes, 'llama') ;
  view.setBigUint64(at, 1n << 33n, true);
  await refused(bytes, /string length 8589934592 of metadata key 'general\.architecture' is more than the \d+ bytes left/, at);
});

test('an array length past the end of the file is refused', async () => {
  const { bytes, view } = build();
  const countAt = stringAt(bytes, '<s>') - 8;
  view.setBigUint64(countAt, 1n << 32n, true);
  await refused(bytes, /array length 4294967296 of metadata key 'test\.tokens'/, countAt);
});

test('a duplicate metadata key is refused', async () => {
  const { bytes } = build({ ...BASE, metadata: [...BASE_METADATA, kv('test.u32', V.UINT32, 8)] });
  const second = Buffer.from(bytes).indexOf(Buffer.from(bytes.subarray(stringAt(bytes, 'test.u32'), stringAt(bytes, 'test.u32') + 16)), stringAt(bytes, 'test.u32') + 1);
  await refused(bytes, /duplicate metadata key 'test\.u32'/, second);
});

test('an empty metadata key is refused', async () => {
  const { bytes } = build({ ...BASE, metadata: [kv('', V.UINT8, 1)] });
  await refused(bytes, /metadata entry 0 has an empty key/, 24);
});

test('an unknown metadata value type is refused', async () => {
  const { bytes, view } = build();
  const typeAt = stringAt(bytes, 'test.u32') + 8 + 'test.u32'.length;
  view.setUint32(typeAt, 13, true);
  await refused(bytes, /metadata key 'test\.u32' has unknown value type 13/, typeAt);
});

test('an unknown array item type is refused', async () => {
  const { bytes, view } = build();
  const itemTypeAt = stringAt(bytes, '<s>') - 12;
  view.setUint32(itemTypeAt, 77, true);
  await refused(bytes, /'test\.tokens' is an array of unknown value type 77/, itemTypeAt);
});

test('general.alignment of the wrong type is refused', async () => {
  const { bytes } = build({ ...BASE, metadata: [...BASE_METADATA, kv('general.alignment', V.UINT64, 32n)] });
  await refused(bytes, /general\.alignment must be of type u32 but is u64/, stringAt(bytes, 'general.alignment'));
});

test('general.alignment that is not a power of two is refused', async () => {
  for (const a of [0, 48]) {
    const { bytes } = build({ ...BASE, metadata: [...BASE_METADATA, kv('general.alignment', V.UINT32, a)] });
    await refused(bytes, new RegExp(`general\\.alignment ${a} is not a non-zero power of two`), stringAt(bytes, 'general.alignment'));
  }
});

test('a duplicate tensor name is refused', async () => {
  const spec = { ...BASE, tensors: [BASE.tensors[0], { ...BASE.tensors[1], name: 'tensor.alphb' }] };
  const { bytes } = build(spec);
  const at = stringAt(bytes, 'tensor.alphb');
  bytes[at + 8 + 11] = 'a'.charCodeAt(0);
  await refused(bytes, /duplicate tensor name 'tensor\.alpha'/, at);
});

test('a tensor name of 64 bytes or more is refused', async () => {
  const spec = { ...BASE, tensors: [BASE.tensors[0], { ...BASE.tensors[1], name: 'y'.repeat(63) }] };
  const { bytes, view } = build(spec);
  // grow the 63-byte name to 64 by taking the first byte of the dimension count into it
  const at = stringAt(bytes, 'y'.repeat(63));
  view.setBigUint64(at, 64n, true);
  await refused(bytes, /tensor 1 name 'y{47}…' \(64 bytes\) is too long: at most 63 bytes/, at);
});

test('a too-long tensor name that is not UTF-8 gives the byte length the file declares, not that of its decoded text', async () => {
  const spec = { ...BASE, tensors: [BASE.tensors[0], { ...BASE.tensors[1], name: 'y'.repeat(63) }] };
  const { bytes, view } = build(spec);
  // 64 bytes of 0xff: each decodes to U+FFFD, three bytes when encoded again (192 in all)
  const at = stringAt(bytes, 'y'.repeat(63));
  view.setBigUint64(at, 64n, true);
  bytes.fill(0xff, at + 8, at + 8 + 64);
  await refused(bytes, /tensor 1 name '\ufffd{47}…' \(64 bytes\) is too long: at most 63 bytes/, at);
});

test('too many dimensions are refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setUint32(f.nDimsAt, 5, true);
  await refused(bytes, /tensor 'tensor\.beta' has 5 dimensions, at most 4/, f.nDimsAt);
});

test('a zero or negative dimension is refused', async () => {
  for (const ne of [0n, -3n]) {
    const { bytes, view } = build();
    const f = tensorFields(bytes, 'tensor.beta');
    view.setBigInt64(f.dimsAt + 8, ne, true);
    await refused(bytes, new RegExp(`tensor 'tensor\\.beta' dimension 1 has non-positive size ${ne}`), f.dimsAt + 8);
  }
});

test('an element count that overflows is refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setBigInt64(f.dimsAt, 1n << 32n, true);
  view.setBigInt64(f.dimsAt + 8, 1n << 32n, true);
  await refused(bytes, /tensor 'tensor\.beta' element count overflows/, f.dimsAt + 8);
});

test('an unknown ggml type id is refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setUint32(f.typeAt, 99, true);
  await refused(bytes, /tensor 'tensor\.beta' has unknown ggml type id 99/, f.typeAt);
});

test('a removed ggml type id (Q4_2 = 4) is refused as unknown', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setUint32(f.typeAt, 4, true);
  await refused(bytes, /unknown ggml type id 4\b/, f.typeAt);
});

test('a row length that is not a multiple of the block size is refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setBigInt64(f.dimsAt, 48n, true);
  await refused(bytes, /tensor 'tensor\.beta' of type q8_0 has row length 48, not a multiple of the block size 32/, f.nDimsAt);
});

test('a tensor offset past the end of the file is refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setBigUint64(f.offsetAt, 1n << 40n, true);
  await refused(bytes, /tensor 'tensor\.beta' data .*past the end of the file/, f.offsetAt);
});

test('a misaligned tensor offset is refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setBigUint64(f.offsetAt, view.getBigUint64(f.offsetAt, true) + 4n, true);
  await refused(bytes, /tensor 'tensor\.beta' data offset \d+ is misaligned/, f.offsetAt);
});

test('overlapping tensor data is refused', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setBigUint64(f.offsetAt, 0n, true);
  await refused(bytes, /tensor 'tensor\.beta' data at offset 0 overlaps the previous tensor/, f.offsetAt);
});

test('a shape larger than the space its data has is refused (overlap with the next tensor)', async () => {
  const gamma = { name: 'tensor.gamma', shape: [64, 16], type: GgmlType.F32 };
  const { bytes, view } = build({ ...BASE, tensors: [...BASE.tensors, gamma] });
  const f = tensorFields(bytes, 'tensor.alpha');
  view.setBigInt64(f.dimsAt + 8, 4n, true); // 64x2 f32 claimed as 64x4: runs into tensor.beta
  const beta = tensorFields(bytes, 'tensor.beta');
  await refused(bytes, /tensor 'tensor\.beta' data at offset 512 overlaps the previous tensor, which ends at 1024/, beta.offsetAt);
});

test('a gap between tensors is refused as llama.cpp does', async () => {
  const { bytes, view } = build();
  const f = tensorFields(bytes, 'tensor.beta');
  view.setBigInt64(tensorFields(bytes, 'tensor.alpha').dimsAt + 8, 1n, true); // alpha is now 256 bytes, beta still at 512
  await refused(bytes, /tensor 'tensor\.beta' data offset 512 leaves a gap: llama\.cpp expects 256/, f.offsetAt);
});
