// The writer reproduces, byte for byte, the headers of GGUF files written by llama.cpp's converter and by
// llama.cpp's quantizer, after our reader has read them; and its layout gives their exact data offsets and size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { computeGgufLayout, encodeGgufHeader } from '../../web/src/core/formats/gguf/writer.ts';
import { getNumber, getString } from '../../web/src/core/formats/gguf/metadata.ts';
import type { GgufHeader } from '../../web/src/core/formats/gguf/model.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { oracleQuantizeFile } from '../oracle/llama-cpp.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const F16_MODEL = resolve(repoRoot, '../shared/models/pydoc-llama-5m/pydoc-llama-5m-F16.gguf');

async function readFile(path: string): Promise<{ header: GgufHeader; headerBytes: Uint8Array; size: number }> {
  const src = await openNodeFile(path);
  try {
    const header = await readGgufHeader(src);
    return { header, headerBytes: await src.read(0, header.dataOffset), size: src.size };
  } finally {
    await src.close();
  }
}

function assertReproduces(header: GgufHeader, headerBytes: Uint8Array, fileSize: number): void {
  const layout = computeGgufLayout({
    version: header.version,
    metadata: header.metadata,
    tensors: header.tensors.map(({ name, shape, type }) => ({ name, shape, type })),
    alignment: header.alignment,
  });
  assert.equal(layout.dataOffset, header.dataOffset);
  assert.deepEqual(layout.tensors.map((t) => t.offset), header.tensors.map((t) => t.offset));
  assert.equal(layout.fileSize, fileSize);
  const encoded = encodeGgufHeader(layout);
  assert.equal(encoded.length, headerBytes.length);
  assert.ok(Buffer.from(encoded).equals(Buffer.from(headerBytes)), 'encoded header differs from the file');
}

test('reads the converter-written F16 model: metadata, tensors and data offsets', async () => {
  const { header } = await readFile(F16_MODEL);
  assert.equal(header.version, 3);
  assert.equal(getString(header, 'general.architecture'), 'llama');
  assert.ok((getNumber(header, 'llama.block_count') ?? 0) > 0);
  assert.equal(header.alignment, 32);
  const embd = header.tensors.find((t) => t.name === 'token_embd.weight');
  assert.ok(embd, 'token_embd.weight present');
  assert.equal(embd.type, 1);
  assert.equal(embd.byteLength, embd.shape[0] * embd.shape[1] * 2);
  assert.equal(header.dataOffset % 32, 0);
});

test('re-encoding the converter-written F16 header reproduces its bytes and data offsets', async () => {
  const { header, headerBytes, size } = await readFile(F16_MODEL);
  assertReproduces(header, headerBytes, size);
});

test('re-encoding a header written by llama.cpp quantize (Q4_K_M) reproduces its bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qs-gguf-'));
  try {
    const out = join(dir, 'q4km.gguf');
    assert.equal(oracleQuantizeFile(F16_MODEL, out, { ftype: 15 }), 0);
    const { header, headerBytes, size } = await readFile(out);
    assert.equal(size, statSync(out).size);
    assert.ok(header.tensors.some((t) => t.type === 12), 'some tensor is q4_K');
    assertReproduces(header, headerBytes, size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
