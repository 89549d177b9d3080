// Reading well-formed GGUF files: every value type, versions 2 and 3, custom alignment, reads in small
// windows, and that only the header region of a model is ever read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { encodeGgufHeader, computeGgufLayout, type GgufWriteSpec } from '../../web/src/core/formats/gguf/writer.ts';
import { getArray, getBool, getKV, getNumber, getNumberOrArray, getString } from '../../web/src/core/formats/gguf/metadata.ts';
import { tensorByteLength } from '../../web/src/core/formats/gguf/tensor-size.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { BlobSource } from '../../web/src/io/blob-source.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import type { ByteSource } from '../../web/src/core/byte-source.ts';
import { encodeGgufFile } from '../fixtures/gguf-file.ts';
import { MemorySource } from '../fixtures/memory-source.ts';

const kv = (key: string, type: V, value: GgufKV['value']): GgufKV => ({ key, type, value });
const F16_MODEL = resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/models/pydoc-llama-5m/pydoc-llama-5m-F16.gguf');

const EVERY_TYPE: GgufKV[] = [
  kv('t.u8', V.UINT8, 255), kv('t.i8', V.INT8, -128), kv('t.u16', V.UINT16, 65535), kv('t.i16', V.INT16, -32768),
  kv('t.u32', V.UINT32, 4294967295), kv('t.i32', V.INT32, -2147483648), kv('t.f32', V.FLOAT32, 0.10000000149011612),
  kv('t.bool', V.BOOL, true), kv('t.false', V.BOOL, false), kv('t.str', V.STRING, 'naïve 日本 🦙'), kv('t.empty', V.STRING, ''),
  kv('t.u64', V.UINT64, 18446744073709551615n), kv('t.i64', V.INT64, -9223372036854775808n), kv('t.f64', V.FLOAT64, Math.PI),
  kv('t.strs', V.ARRAY, { itemType: V.STRING, items: ['<unk>', '▁the', '', '🦙', '\uFEFFbom', 'x'.repeat(40), 'é'.repeat(40)] }),
  kv('t.i32s', V.ARRAY, { itemType: V.INT32, items: [1, -2, 3] }),
  kv('t.f32s', V.ARRAY, { itemType: V.FLOAT32, items: [0.5, -1.25] }),
  kv('t.u64s', V.ARRAY, { itemType: V.UINT64, items: [0n, 1n << 63n] }),
  kv('t.bools', V.ARRAY, { itemType: V.BOOL, items: [true, false, true] }),
  kv('t.none', V.ARRAY, { itemType: V.UINT8, items: [] }),
  kv('t.nested', V.ARRAY, {
    itemType: V.ARRAY,
    items: [{ itemType: V.STRING, items: ['a', 'bc'] }, { itemType: V.INT16, items: [-1, 2] }],
  }),
];

const SPEC: GgufWriteSpec = {
  metadata: EVERY_TYPE,
  tensors: [
    { name: 'a.weight', shape: [256, 2], type: GgmlType.Q4_K },
    { name: 'b.weight', shape: [32], type: GgmlType.F32 },
    { name: 'c.weight', shape: [64, 2, 3], type: GgmlType.BF16 },
  ],
};

test('every metadata value type, nested arrays and 64-bit values read back as written', async () => {
  const { bytes, layout } = encodeGgufFile(SPEC);
  const header = await readGgufHeader(new MemorySource(bytes));
  assert.deepEqual(header.metadata, EVERY_TYPE);
  assert.equal(typeof getKV(header, 't.u64')!.value, 'bigint');
  assert.deepEqual(header.tensors, layout.tensors);
  assert.equal(header.dataOffset, layout.dataOffset);
  assert.deepEqual(encodeGgufHeader(header), bytes.subarray(0, header.dataOffset));
});

test('GGUF version 2 files are read', async () => {
  const { bytes } = encodeGgufFile({ ...SPEC, version: 2 });
  const header = await readGgufHeader(new MemorySource(bytes));
  assert.equal(header.version, 2);
  assert.equal(header.tensors.length, 3);
});

test('a custom general.alignment lays out and reads back data at that alignment', async () => {
  const metadata = [...EVERY_TYPE, kv('general.alignment', V.UINT32, 256)];
  const { bytes, layout } = encodeGgufFile({ ...SPEC, metadata, alignment: 256 });
  const header = await readGgufHeader(new MemorySource(bytes));
  assert.equal(header.alignment, 256);
  assert.equal(header.dataOffset % 256, 0);
  // q4_K 256x2 = 288 bytes and f32 32 = 128 bytes, each padded to 256; bf16 64x2x3 = 768 bytes
  assert.deepEqual(header.tensors.map((t) => t.offset), [0, 512, 768]);
  assert.equal(layout.fileSize, header.dataOffset + 768 + 768);
  assert.equal(layout.fileSize, bytes.length);
});

test('reading through tiny windows gives the same header (fields straddle window edges)', async () => {
  const { bytes } = encodeGgufFile(SPEC);
  const whole = await readGgufHeader(new MemorySource(bytes));
  for (const windowSize of [1, 7, 64]) {
    assert.deepEqual(await readGgufHeader(new MemorySource(bytes), { windowSize }), whole);
  }
});

test('a file with no tensors is read', async () => {
  const { bytes } = encodeGgufFile({ metadata: [kv('general.name', V.STRING, 'empty')], tensors: [] });
  const header = await readGgufHeader(new MemorySource(bytes));
  assert.equal(header.tensors.length, 0);
  assert.equal(getString(header, 'general.name'), 'empty');
});

test('reading the header of a 10 MB model reads only its header region', async () => {
  const file = await openNodeFile(F16_MODEL);
  let bytesRead = 0;
  const counting: ByteSource = {
    name: file.name, size: file.size,
    read: (o, n) => { bytesRead += n; return file.read(o, n); },
  };
  try {
    const header = await readGgufHeader(counting, { windowSize: 4096 });
    assert.ok(file.size > 5_000_000);
    // a few windows of slack: a window is re-read from a field that straddles its end
    assert.ok(bytesRead <= header.dataOffset + 8 * 4096, `read ${bytesRead} bytes for a ${header.dataOffset}-byte header`);
  } finally {
    await file.close();
  }
});

test('a Blob source reads the same header as a file source', async () => {
  const { bytes } = encodeGgufFile(SPEC);
  const blobHeader = await readGgufHeader(new BlobSource(new Blob([bytes]), 'x.gguf'));
  assert.deepEqual(blobHeader, await readGgufHeader(new MemorySource(bytes)));
  await assert.rejects(new BlobSource(new Blob([bytes])).read(bytes.length - 2, 4), QuantsmithError);
});

test('a file source refuses reads past the end', async () => {
  const file = await openNodeFile(F16_MODEL);
  try {
    await assert.rejects(file.read(file.size - 1, 2), /past the end/);
    assert.equal((await file.read(0, 4)).length, 4);
  } finally {
    await file.close();
  }
});

test('typed getters return values and name the key when its type is wrong', () => {
  const h = { metadata: EVERY_TYPE };
  assert.equal(getString(h, 't.str'), 'naïve 日本 🦙');
  assert.equal(getNumber(h, 't.i8'), -128);
  assert.equal(getNumber(h, 't.u64'), 18446744073709551615);
  assert.equal(getBool(h, 't.bool'), true);
  assert.deepEqual(getArray(h, 't.i32s'), [1, -2, 3]);
  assert.deepEqual(getNumberOrArray(h, 't.i32s'), [1, -2, 3]);
  assert.equal(getNumberOrArray(h, 't.u32'), 4294967295);
  assert.equal(getString(h, 'missing'), undefined);
  assert.throws(() => getString(h, 't.u32'), /metadata key 't\.u32' is u32, expected a string/);
  assert.throws(() => getNumber(h, 't.strs'), /metadata key 't\.strs' is array of str, expected a number/);
});

test('tensor byte sizes follow the ggml type table', () => {
  assert.equal(tensorByteLength(GgmlType.Q4_K, [512, 3]), 2 * 144 * 3);
  assert.equal(tensorByteLength(GgmlType.Q8_0, [64, 2, 4]), 2 * 34 * 8);
  assert.equal(tensorByteLength(GgmlType.F16, [7]), 14);
  assert.throws(() => tensorByteLength(GgmlType.Q4_K, [128, 2]), /row length 128 is not a multiple of the q4_K block size 256/);
  assert.throws(() => tensorByteLength(99, [32]), /unknown ggml type id 99/);
});

test('the writer writes ggml dimensions: trailing ones are dropped, as gguf.cpp does', async () => {
  const { bytes } = encodeGgufFile({ metadata: [], tensors: [{ name: 'n', shape: [256, 1, 1], type: GgmlType.F32 }] });
  const header = await readGgufHeader(new MemorySource(bytes));
  assert.deepEqual(header.tensors[0].shape, [256]);
  assert.equal(header.tensors[0].byteLength, 1024);
});

test('the writer refuses impossible tensors and alignments', () => {
  const t = { name: 'x', shape: [256], type: GgmlType.F32 };
  assert.throws(() => computeGgufLayout({ metadata: [], tensors: [t, t] }), /duplicate tensor name 'x'/);
  assert.throws(() => computeGgufLayout({ metadata: [], tensors: [{ ...t, name: 'n'.repeat(64) }] }), /too long/);
  assert.throws(() => computeGgufLayout({ metadata: [], tensors: [{ ...t, type: 99 }] }), /unknown ggml type id 99/);
  assert.throws(() => computeGgufLayout({ metadata: [], tensors: [{ ...t, type: GgmlType.Q4_K, shape: [100] }] }), /not a multiple/);
  assert.throws(() => computeGgufLayout({ metadata: [], tensors: [{ ...t, shape: [1, 1, 1, 1, 1] }] }), /5 dimensions/);
  assert.throws(() => computeGgufLayout({ metadata: [], tensors: [], alignment: 48 }), /power of two/);
});

test('text that is not valid UTF-8 is read with replacement characters and reported by key', async () => {
  const spec: GgufWriteSpec = { metadata: [kv('t.ok', V.STRING, 'fine'), kv('t.tokens', V.ARRAY, { itemType: V.STRING, items: ['a', '@@', 'b'] })], tensors: [] };
  const { bytes } = encodeGgufFile(spec);
  assert.equal((await readGgufHeader(new MemorySource(bytes))).invalidUtf8, undefined);
  const at = Buffer.from(bytes).indexOf('@@');
  bytes.set([0xc3, 0x28], at); // a lead byte followed by a non-continuation byte
  const header = await readGgufHeader(new MemorySource(bytes));
  assert.deepEqual(header.invalidUtf8, ['t.tokens']);
  assert.deepEqual(getArray(header, 't.tokens'), ['a', '\uFFFD(', 'b']);
});

test('opening a missing file gives a one-line QuantsmithError', async () => {
  await assert.rejects(openNodeFile('/nonexistent/model.gguf'), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError);
    assert.match(e.message, /cannot open '\/nonexistent\/model\.gguf': no such file/);
    return true;
  });
});
