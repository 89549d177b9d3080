// The kernels on real weights: rows of the test model's F16 tensors, quantized to every kernel type,
// must give llama.cpp's bytes (the synthetic distributions in kernels.test.ts cover the corners).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleQuantizeRows } from './llama-cpp.ts';
import { CODEBOOK_TYPES } from './kernels-iq-data.ts';

const MODEL = fileURLToPath(new URL('../../../shared/models/pydoc-llama-5m/pydoc-llama-5m-F16.gguf', import.meta.url));
const ROWS = 96; // per tensor: enough to meet real value ranges, few enough to stay fast

test('rows of every F16 matrix of block 0, the embeddings and the output quantize to llama.cpp bytes for every kernel type', async () => {
  const kernels = await loadKernelsFromDisk();
  const file = await openNodeFile(MODEL);
  try {
    const header = await readGgufHeader(file);
    const tensors = header.tensors.filter((t) => t.type === GgmlType.F16 && t.shape.length === 2 && !/^blk\.[1-9]/.test(t.name));
    assert.ok(tensors.length >= 9, `expected the model's F16 matrices, found ${tensors.map((t) => t.name).join(', ')}`);
    for (const t of tensors) {
      const nPerRow = t.shape[0];
      const nRows = Math.min(ROWS, t.shape[1]);
      const src = await file.read(header.dataOffset + t.offset, nRows * nPerRow * 2);
      const f32 = oracleDequantizeRows(GgmlType.F16, src, nRows, nPerRow);
      for (const type of kernels.types) {
        if (nPerRow % type.blockSize !== 0 || CODEBOOK_TYPES.has(type.id)) continue; // those: kernels-iq*.test.ts
        const ours = kernels.quantizeRows(GgmlType.F16, src, type.id, nRows, nPerRow);
        const expected = oracleQuantizeRows(type.id, f32, nRows, nPerRow);
        const at = ours.findIndex((b, i) => b !== expected[i]);
        assert.equal(at, -1, `${t.name} → ${type.name}: first differing byte ${at} of ${expected.length}`);
      }
    }
  } finally {
    await file.close();
  }
});
