// The trained test model's Hugging Face folder, opened as a ModelSource, equals the F16 GGUF that llama.cpp's
// converter made from that very folder: metadata (keys, types, values, order) and every tensor's name, shape,
// type and bytes, including rows read piecemeal; and only the byte ranges asked for are read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensorRows, type ModelSource } from '../../web/src/core/engine/model-source.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import type { GgufHeader } from '../../web/src/core/formats/gguf/model.ts';
import { openHfModel, type ModelFolder } from '../../web/src/core/formats/hf/index.ts';
import type { ByteSource } from '../../web/src/core/byte-source.ts';
import { openNodeFile, type NodeFileSource } from '../../web/src/io/node-file.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MODEL_DIR = resolve(repoRoot, '../shared/models/pydoc-llama-5m');
const F16_GGUF = resolve(MODEL_DIR, 'pydoc-llama-5m-F16.gguf');

let source: ModelSource;
let gguf: NodeFileSource;
let header: GgufHeader;

before(async () => {
  source = await openHfModel(await openNodeFolder(MODEL_DIR));
  gguf = await openNodeFile(F16_GGUF);
  header = await readGgufHeader(gguf);
});
after(async () => {
  await source.close();
  await gguf.close();
});

test('the source describes itself as the folder', () => {
  assert.equal(source.name, 'pydoc-llama-5m');
  assert.equal(source.format, 'safetensors');
  assert.equal(source.sizeBytes, 10494512); // model.safetensors
});

test('metadata equals the converter\'s, key by key, in order', () => {
  assert.deepEqual(source.metadata.map((kv) => kv.key), header.metadata.map((kv) => kv.key));
  for (let i = 0; i < header.metadata.length; i++) {
    assert.deepEqual(source.metadata[i], header.metadata[i], `metadata ${header.metadata[i]!.key}`);
  }
});

test('tensors equal the converter\'s: names, shapes, types and bytes, in order', async () => {
  assert.deepEqual(source.tensors.map((t) => t.name), header.tensors.map((t) => t.name));
  for (let i = 0; i < header.tensors.length; i++) {
    const want = header.tensors[i]!;
    const got = source.tensors[i]!;
    assert.deepEqual(got.shape, want.shape, want.name);
    assert.equal(got.type, want.type, want.name);
    assert.equal(got.byteLength, want.byteLength, want.name);
    const bytes = await got.readRows(0, tensorRows(got.shape));
    const expected = await gguf.read(header.dataOffset + want.offset, want.byteLength);
    assert.ok(Buffer.from(bytes).equals(Buffer.from(expected)), `data of ${want.name}`);
  }
});

test('rows read in pieces equal the same rows of the converter\'s file (Q/K permutation inside readRows)', async () => {
  for (const name of ['blk.0.attn_q.weight', 'blk.2.attn_k.weight', 'token_embd.weight', 'blk.3.ffn_down.weight']) {
    const t = source.tensors.find((x) => x.name === name)!;
    const info = header.tensors.find((x) => x.name === name)!;
    const rowBytes = info.byteLength / tensorRows(info.shape);
    for (const [first, count] of [[0, 1], [5, 3], [17, 30], [tensorRows(t.shape) - 2, 2]] as const) {
      const got = await t.readRows(first, count);
      const want = await gguf.read(header.dataOffset + info.offset + first * rowBytes, count * rowBytes);
      assert.ok(Buffer.from(got).equals(Buffer.from(want)), `${name} rows ${first}..${first + count}`);
    }
  }
});

test('opening reads headers only, and a row read reads about one row', async () => {
  let bytesRead = 0;
  const counting = (src: ByteSource): ByteSource => ({
    name: src.name,
    size: src.size,
    read: (offset, length) => {
      bytesRead += length;
      return src.read(offset, length);
    },
    close: () => src.close?.() ?? Promise.resolve(),
  });
  const folder = await openNodeFolder(MODEL_DIR);
  const watched: ModelFolder = { name: folder.name, list: () => folder.list(), open: async (p) => counting(await folder.open(p)) };
  const model = await openHfModel(watched);
  try {
    const afterOpen = bytesRead;
    // config, tokenizer files and the safetensors header: far less than the 10 MB of weights
    assert.ok(afterOpen < 200_000, `opening read ${afterOpen} bytes`);
    const q = model.tensors.find((t) => t.name === 'blk.1.attn_q.weight')!;
    await q.readRows(3, 1);
    // one output row of a permuted tensor needs source rows from the same head only (32 rows of 512 bytes)
    assert.ok(bytesRead - afterOpen <= 32 * 512, `one row read ${bytesRead - afterOpen} bytes`);
  } finally {
    await model.close();
  }
});
