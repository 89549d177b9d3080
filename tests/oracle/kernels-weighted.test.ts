// The kernels with importance weights against llama.cpp: for every kernel type whose weighted path
// exists, bytes must equal ggml_quantize_chunk(type, …, imatrix) across value distributions, weight
// distributions (synthetic, and the shared model's real imatrix on its own weights), F32/F16/BF16
// sources and row lengths that are not multiples of 256 where the type allows them. (Types still
// without a weighted path refuse weights: tests/unit/kernels.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleQuantizeRows, oracleRequiresImatrix } from './llama-cpp.ts';
import { DISTRIBUTIONS, SOURCES, asSource, firstDifference, gaussian, rng } from './kernels-data.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';

const kernels = await loadKernelsFromDisk();
const WEIGHTED = kernels.types.filter((t) => t.importance !== 'pending');

/** Importance weight distributions: what imatrices hold, and the corners the weighted searches branch on. */
const WEIGHTS: Record<string, (n: number, seed: number) => Float32Array> = {
  uniform: (n) => new Float32Array(n).fill(1),
  skewed: (n, seed) => {
    const g = gaussian(rng(seed));
    return Float32Array.from({ length: n }, () => Math.exp(3 * g())); // log-normal, a few columns dominate
  },
  zeros: (n) => new Float32Array(n),
  'some zeros': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 || r() < 0.2 ? 0 : r()));
  },
  tiny: (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => 1e-30 * (r() + 0.01));
  },
  huge: (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => 1e30 * (r() + 0.01));
  },
  // not what an imatrix holds (llama-quantize refuses such files), but the kernels must still agree
  'negative and NaN': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, (_, i) => (i % 29 === 3 ? NaN : r() - 0.3));
  },
};

function rowLengths(blockSize: number): number[] {
  // 3 and 11 blocks: not multiples of 256, nor (for 32-element blocks) of four blocks
  return blockSize === 256 ? [256, 2816] : blockSize === 1 ? [96, 2816] : [3 * blockSize, 11 * blockSize, 2816];
}

for (const type of WEIGHTED) {
  test(`${type.name} with importance weights: bytes equal ggml_quantize_chunk's with the same imatrix`, () => {
    const nRows = 2;
    let cases = 0;
    let changedByWeights = 0;
    for (const nPerRow of rowLengths(type.blockSize)) {
      for (const [weightName, weigh] of Object.entries(WEIGHTS)) {
        const weights = weigh(nPerRow, nPerRow + weightName.length);
        for (const [distName, fill] of Object.entries(DISTRIBUTIONS)) {
          const values = fill(nRows * nPerRow, nPerRow * 17 + distName.length);
          // every source type for two distributions, F32 for the rest (the widening is tested unweighted too)
          const sources = distName === 'normal' || distName === 'uniform' ? SOURCES : SOURCES.slice(0, 1);
          for (const [srcName, srcType] of sources) {
            const { src, f32 } = asSource(srcType, values, nRows, nPerRow);
            const expected = oracleQuantizeRows(type.id, f32, nRows, nPerRow, weights);
            const ours = kernels.quantizeRows(srcType, src, type.id, nRows, nPerRow, weights);
            const at = firstDifference(ours, expected);
            assert.equal(at, -1, `${type.name} from ${srcName}, ${nRows}×${nPerRow}, ${distName} values, ${weightName} weights: first differing byte ${at} of ${expected.length}`);
            if (firstDifference(ours, kernels.quantizeRows(srcType, src, type.id, nRows, nPerRow)) >= 0) changedByWeights++;
            cases++;
          }
        }
      }
    }
    assert.ok(cases > 0);
    // the weights must matter where ggml uses them (and nowhere else)
    if (type.importance === 'used') assert.ok(changedByWeights > cases / 4, `weights changed ${changedByWeights} of ${cases} outputs`);
    else assert.equal(changedByWeights, 0);
  });
}

/** The shared imatrix's entries, normalised as llama-quantize's load_imatrix does (sums / count, 1 where the count is 0). */
async function sharedImatrix(): Promise<Map<string, Float32Array>> {
  const file = await openNodeFile(join(SHARED_MODEL_DIR, 'pydoc-llama-5m.imatrix.gguf'));
  try {
    const header = await readGgufHeader(file);
    const read = async (name: string) => {
      const t = header.tensors.find((x) => x.name === name);
      assert.ok(t && t.type === GgmlType.F32, `imatrix tensor ${name}`);
      const n = t.shape.reduce((a, b) => a * b, 1);
      const bytes = await file.read(header.dataOffset + t.offset, n * 4);
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    };
    const out = new Map<string, Float32Array>();
    for (const t of header.tensors.filter((x) => x.name.endsWith('.in_sum2'))) {
      const name = t.name.slice(0, -'.in_sum2'.length);
      const sums = await read(t.name);
      const [count] = await read(`${name}.counts`);
      out.set(name, sums.map((s) => (count > 0 ? s / count : 1)));
    }
    return out;
  } finally {
    await file.close();
  }
}

test('rows of the shared model quantize with its imatrix to llama.cpp bytes for every weighted kernel type', async () => {
  const imatrix = await sharedImatrix();
  assert.ok(imatrix.size >= 7, `imatrix entries: ${[...imatrix.keys()].join(', ')}`);
  const file = await openNodeFile(SHARED_F16_GGUF);
  try {
    const header = await readGgufHeader(file);
    let checked = 0;
    for (const t of header.tensors) {
      const weights = imatrix.get(t.name);
      if (!weights || t.type !== GgmlType.F16 || /^blk\.[1-9]/.test(t.name)) continue;
      const nPerRow = t.shape[0];
      assert.equal(weights.length, nPerRow, t.name);
      const nRows = Math.min(32, t.shape[1]);
      const src = await file.read(header.dataOffset + t.offset, nRows * nPerRow * 2);
      const f32 = oracleDequantizeRows(GgmlType.F16, src, nRows, nPerRow);
      for (const type of WEIGHTED) {
        if (nPerRow % type.blockSize !== 0) continue;
        const ours = kernels.quantizeRows(GgmlType.F16, src, type.id, nRows, nPerRow, weights);
        const expected = oracleQuantizeRows(type.id, f32, nRows, nPerRow, weights);
        assert.equal(firstDifference(ours, expected), -1, `${t.name} → ${type.name} with the imatrix`);
      }
      checked++;
    }
    assert.ok(checked >= 7, `checked ${checked} tensors`);
  } finally {
    await file.close();
  }
});

test('requiresImportance agrees with ggml_quantize_requires_imatrix for every kernel type', () => {
  for (const t of kernels.types) assert.equal(kernels.requiresImportance(t.id), oracleRequiresImatrix(t.id), t.name);
});
