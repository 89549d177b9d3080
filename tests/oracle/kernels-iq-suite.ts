// The codebook kernels (IQ1_S … IQ3_S) against llama.cpp: quantized bytes must equal
// ggml_quantize_chunk's with the same importance weights (and without, for the types ggml quantizes
// without), dequantized floats must equal ggml's to_float for every grid index, and rows of the shared
// model must quantize with its real imatrix as llama.cpp quantizes them. Registered by
// kernels-iq.test.ts and kernels-iq1.test.ts (two files so the runner can overlap ggml's slow set-up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { GgmlType, ggmlType } from '../../web/src/core/quant/ggml-types.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { oracleDequantizeRows, oracleQuantizeRows, oracleRequiresImatrix } from './llama-cpp.ts';
import { DISTRIBUTIONS, SOURCES, asSource, bytesOf, firstDifference, gaussian, rng, type Fill } from './kernels-data.ts';
import { blocksCoveringGrid, gridSize } from './kernels-iq-data.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';

const kernels = await loadKernelsFromDisk();

/** ggml aborts the process on these (non-finite weights and distances reach a GGML_ASSERT). */
const ABORTING = new Set(['huge magnitudes', 'infinities and a NaN']);
const VALUES: [string, Fill][] = [
  ...Object.entries(DISTRIBUTIONS).filter(([name]) => !ABORTING.has(name)),
  // blocks (of 32, or the 16s of IQ2_XS/IQ2_S) that are zero or under each type's all-zero threshold
  // (1e-15, IQ1_S 1e-12, IQ1_M 1e-7, IQ3_XXS/IQ2_S 1e-8) inside super-blocks that are not: the paths that
  // skip a block (IQ3_S then writes later blocks' indices and signs one block early, as ggml does)
  ['empty blocks among normal ones', (n, seed) => {
    const g = gaussian(rng(seed));
    const scale = [0, 1, 1e-9, 1, 1e-13, 1, 3e-8, 1, 1e-16, 0.5];
    return Float32Array.from({ length: n }, (_, i) => (i % 32 < 16 && Math.floor(i / 32) % 3 === 2 ? 0 : scale[Math.floor(i / 32) % scale.length] * g()));
  }],
];

/** Importance weight distributions: an imatrix's typical spread, and the corners. */
const WEIGHTS: Record<string, Fill> = {
  uniform: (n) => new Float32Array(n).fill(1),
  skewed: (n, seed) => {
    const g = gaussian(rng(seed));
    return Float32Array.from({ length: n }, () => Math.exp(3 * g()));
  },
  'some zeros': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 || r() < 0.2 ? 0 : r()));
  },
  zeros: (n) => new Float32Array(n),
  tiny: (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => 1e-30 * (r() + 0.01));
  },
};

function check(type: number, src: Uint8Array, srcType: number, f32: Float32Array, nRows: number, nPerRow: number, weights: Float32Array | undefined, what: string): void {
  const expected = oracleQuantizeRows(type, f32, nRows, nPerRow, weights);
  const ours = kernels.quantizeRows(srcType, src, type, nRows, nPerRow, weights);
  const at = firstDifference(ours, expected);
  assert.equal(at, -1, `${ggmlType(type)!.name} ${what}, ${nRows}×${nPerRow}: first differing byte ${at} of ${expected.length}`);
}

export function codebookTests(types: readonly number[]): void {
  for (const type of types) {
    const name = ggmlType(type)!.name;

    test(`${name} with importance weights: bytes equal ggml_quantize_chunk's for every value and weight distribution`, () => {
      let cases = 0;
      for (const [nRows, nPerRow] of [[2, 512], [1, 768]]) {
        for (const [weightName, weigh] of Object.entries(WEIGHTS)) {
          const weights = weigh(nPerRow, nPerRow + weightName.length);
          for (const [distName, fill] of VALUES) {
            const values = fill(nRows * nPerRow, nPerRow * 13 + distName.length + weightName.length);
            // F16/BF16 sources for two distributions (their widening is the shared kernels' and tested there)
            const sources = distName === 'normal' || distName === 'rounding ties' ? SOURCES : SOURCES.slice(0, 1);
            for (const [srcName, srcType] of sources) {
              const { src, f32 } = asSource(srcType, values, nRows, nPerRow);
              check(type, src, srcType, f32, nRows, nPerRow, weights, `from ${srcName}, ${distName} values, ${weightName} weights`);
              cases++;
            }
          }
        }
      }
      assert.ok(cases >= 2 * Object.keys(WEIGHTS).length * VALUES.length);
    });

    if (oracleRequiresImatrix(type)) {
      test(`${name} without importance weights is refused, as ggml refuses it`, () => {
        assert.equal(kernels.requiresImportance(type), true);
        const src = bytesOf(DISTRIBUTIONS.normal(256, 1));
        assert.throws(
          () => kernels.quantizeRows(GgmlType.F32, src, type, 1, 256),
          (e: unknown) => e instanceof QuantsmithError && e.message.includes(name) && /importance weights/.test(e.message),
        );
      });
    } else {
      test(`${name} without importance weights: bytes equal ggml_quantize_chunk's for every value distribution`, () => {
        assert.equal(kernels.requiresImportance(type), false);
        const nRows = 2, nPerRow = 512;
        for (const [distName, fill] of VALUES) {
          const values = fill(nRows * nPerRow, 5 + distName.length);
          const sources = distName === 'normal' ? SOURCES : SOURCES.slice(0, 1);
          for (const [srcName, srcType] of sources) {
            const { src, f32 } = asSource(srcType, values, nRows, nPerRow);
            check(type, src, srcType, f32, nRows, nPerRow, undefined, `from ${srcName}, ${distName} values, no weights`);
          }
        }
      });
    }

    test(`${name}: every grid index dequantizes as ggml's to_float does`, () => {
      const { data, blocks, indices } = blocksCoveringGrid(type, type);
      assert.equal(indices.size, gridSize(type));
      const expected = oracleDequantizeRows(type, data, 1, blocks * 256);
      const ours = kernels.dequantizeRows(type, data, 1, blocks * 256);
      const at = firstDifference(bytesOf(ours), bytesOf(expected));
      assert.equal(at, -1, `${name}: value ${at >> 2} (block ${Math.floor((at >> 2) / 256)}) differs`);
      // and what the quantizer itself writes
      const values = DISTRIBUTIONS.normal(512, 3);
      const quantized = oracleQuantizeRows(type, values, 2, 256, WEIGHTS.skewed(256, 4));
      assert.equal(firstDifference(bytesOf(kernels.dequantizeRows(type, quantized, 2, 256)), bytesOf(oracleDequantizeRows(type, quantized, 2, 256))), -1);
    });
  }

  test(`rows of the shared model quantize with its imatrix to llama.cpp's bytes: ${types.map((t) => ggmlType(t)!.name).join(', ')}`, async () => {
    const imatrix = await sharedImatrix();
    const file = await openNodeFile(SHARED_F16_GGUF);
    try {
      const header = await readGgufHeader(file);
      let checked = 0;
      // block 0's matrices (rows of 256 and 768) and the output
      for (const t of header.tensors) {
        const weights = imatrix.get(t.name);
        if (!weights || t.type !== GgmlType.F16 || /^blk\.[1-9]/.test(t.name)) continue;
        const nPerRow = t.shape[0];
        assert.equal(weights.length, nPerRow, t.name);
        const nRows = Math.min(16, t.shape[1]);
        const src = await file.read(header.dataOffset + t.offset, nRows * nPerRow * 2);
        const f32 = oracleDequantizeRows(GgmlType.F16, src, nRows, nPerRow);
        for (const type of types) check(type, src, GgmlType.F16, f32, nRows, nPerRow, weights, `${t.name} with the shared imatrix`);
        checked++;
      }
      assert.ok(checked >= 7, `checked ${checked} tensors`);
    } finally {
      await file.close();
    }
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
      const bytes = await file.read(header.dataOffset + t.offset, t.shape.reduce((a, b) => a * b, 1) * 4);
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
