// The WASM kernels against llama.cpp itself: for every type Quantsmith can write, quantized bytes must
// equal ggml_quantize_chunk's (no importance matrix) and dequantized floats must equal ggml's to_float,
// bit for bit, across row lengths, value distributions and F32/F16/BF16 sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { GGML_TYPES, GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleFp32ToBf16, oracleFp32ToFp16, oracleQuantizeRows } from './llama-cpp.ts';
import { DISTRIBUTIONS, SOURCES, asSource, bytesOf, firstDifference, rng } from './kernels-data.ts';

const kernels = await loadKernelsFromDisk();
const KERNEL_TYPES = GGML_TYPES.filter((t) => t.kernel);

function rowLengths(blockSize: number): number[] {
  return blockSize === 256 ? [256, 512, 2816] : [Math.max(32, blockSize), 256, 2816];
}

for (const type of KERNEL_TYPES) {
  test(`${type.name}: quantized bytes equal llama.cpp's for every source type, row length and distribution`, () => {
    const nRows = 2;
    let cases = 0;
    for (const nPerRow of rowLengths(type.blockSize)) {
      for (const [distName, fill] of Object.entries(DISTRIBUTIONS)) {
        const values = fill(nRows * nPerRow, nPerRow * 31 + distName.length);
        for (const [srcName, srcType] of SOURCES) {
          const { src, f32 } = asSource(srcType, values, nRows, nPerRow);
          const expected = oracleQuantizeRows(type.id, f32, nRows, nPerRow);
          const ours = kernels.quantizeRows(srcType, src, type.id, nRows, nPerRow);
          const at = firstDifference(ours, expected);
          assert.equal(at, -1, `${type.name} from ${srcName}, ${nRows}×${nPerRow}, ${distName}: first differing byte ${at} of ${expected.length}`);
          cases++;
        }
      }
    }
    assert.equal(cases, 3 * Object.keys(DISTRIBUTIONS).length * SOURCES.length);
  });

  test(`${type.name}: dequantized floats equal ggml's to_float, bit for bit`, () => {
    const nRows = 2;
    const nPerRow = type.blockSize === 256 ? 512 : 256;
    const blocks: Uint8Array[] = [];
    // what the quantizer writes for each distribution …
    for (const [name, fill] of Object.entries(DISTRIBUTIONS)) blocks.push(oracleQuantizeRows(type.id, fill(nRows * nPerRow, name.length), nRows, nPerRow));
    // … and arbitrary block contents (with finite scales: NaN payloads are not part of the contract)
    blocks.push(randomBlocks(type.id, nRows * oracleRowBytes(type.id, nPerRow), 7));
    for (const [i, data] of blocks.entries()) {
      const expected = oracleDequantizeRows(type.id, data, nRows, nPerRow);
      const ours = kernels.dequantizeRows(type.id, data, nRows, nPerRow);
      assert.equal(firstDifference(bytesOf(ours), bytesOf(expected)), -1, `${type.name} data set ${i}`);
    }
  });
}

function oracleRowBytes(type: number, n: number): number {
  const t = KERNEL_TYPES.find((x) => x.id === type)!;
  return (n / t.blockSize) * t.bytesPerBlock;
}

/** Offsets of the f16 scale fields inside one block of each type (ggml-common.h). */
const HALF_FIELDS: Record<number, number[]> = {
  [GgmlType.Q4_0]: [0], [GgmlType.Q4_1]: [0, 2], [GgmlType.Q5_0]: [0], [GgmlType.Q5_1]: [0, 2], [GgmlType.Q8_0]: [0],
  [GgmlType.Q2_K]: [80, 82], [GgmlType.Q3_K]: [108], [GgmlType.Q4_K]: [0, 2], [GgmlType.Q5_K]: [0, 2], [GgmlType.Q6_K]: [208],
  [GgmlType.IQ4_NL]: [0], [GgmlType.IQ4_XS]: [0],
  [GgmlType.TQ1_0]: [52], [GgmlType.TQ2_0]: [64], [GgmlType.Q1_0]: [0], [GgmlType.Q2_0]: [0],
  [GgmlType.MXFP4]: [], [GgmlType.NVFP4]: [], // byte scales, every value finite
};

function randomBlocks(type: number, bytes: number, seed: number): Uint8Array {
  const r = rng(seed);
  const data = Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
  const t = KERNEL_TYPES.find((x) => x.id === type)!;
  // clear exponent-all-ones patterns so every float field is finite
  const finiteHalf = (at: number, exponentMask: number) => {
    if ((data[at + 1] & exponentMask) === exponentMask) data[at + 1] &= ~0x40;
  };
  for (let block = 0; block < bytes; block += t.bytesPerBlock) {
    if (type === GgmlType.F16) finiteHalf(block, 0x7c);
    else if (type === GgmlType.BF16) finiteHalf(block, 0x7f); // bf16: exponent spans both bytes; clearing bit 14 suffices
    else if (type === GgmlType.F32) finiteHalf(block + 2, 0x7f);
    else for (const f of HALF_FIELDS[type]) finiteHalf(block + f, 0x7c);
  }
  return data;
}

/** Values whose F16/BF16 rounding is easy to get wrong: ties, subnormals, overflow, infinities. */
function conversionEdgeValues(): Float32Array {
  const bits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
  const edges = [
    0, -0, Infinity, -Infinity, 1, -1, 65504, -65504, 65519.996, 65520, 65536, 1e10, -1e10,
    3.4028234663852886e38, -3.4028234663852886e38, 1.1754943508222875e-38, 1e-45, -1e-45, 1.4e-44,
    6.103515625e-5, 6.097555160522461e-5, 5.960464477539063e-8, 2.9802322387695312e-8, 2.98023259e-8,
    8.940696716308594e-8, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 2048 + 1, 2048 + 3,
    bits(0x3f808000), bits(0x3f818000), bits(0x3f80ffff), bits(0x7f7f8000), bits(0x7f7fffff), bits(0x00008000),
    bits(0x00018000), bits(0x807fffff), bits(0x33000000), bits(0x33000001), bits(0x387fe000), bits(0x387ff000),
  ];
  // plus random bit patterns over the whole float range, NaNs excluded
  const r = rng(99);
  const random: number[] = [];
  while (random.length < 20000) {
    const u = Math.floor(r() * 4294967296);
    if ((u & 0x7fffffff) <= 0x7f800000) random.push(bits(u));
  }
  const all = [...edges, ...random];
  while (all.length % 8) all.push(0.5);
  return Float32Array.from(all);
}

test('F32 → F16 conversion equals ggml_fp32_to_fp16_row, including subnormals, overflow and infinities', () => {
  const x = conversionEdgeValues();
  const ours = kernels.quantizeRows(GgmlType.F32, bytesOf(x), GgmlType.F16, 1, x.length);
  const at = firstDifference(ours, bytesOf(oracleFp32ToFp16(x)));
  assert.equal(at, -1, at < 0 ? '' : `value ${x[at >> 1]} converts differently`);
});

test('F32 → BF16 conversion equals ggml_fp32_to_bf16_row_ref, including subnormals and ties', () => {
  const x = conversionEdgeValues();
  const ours = kernels.quantizeRows(GgmlType.F32, bytesOf(x), GgmlType.BF16, 1, x.length);
  const at = firstDifference(ours, bytesOf(oracleFp32ToBf16(x)));
  assert.equal(at, -1, at < 0 ? '' : `value ${x[at >> 1]} converts differently`);
});

test('every non-NaN F16 and BF16 value widens to the F32 that ggml produces', () => {
  for (const type of [GgmlType.F16, GgmlType.BF16]) {
    const exponentAllOnes = type === GgmlType.F16 ? 0x7c00 : 0x7f80;
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => (h & exponentAllOnes) !== exponentAllOnes || (h & 0x7fff) === exponentAllOnes);
    const data = bytesOf(all);
    const at = firstDifference(bytesOf(kernels.dequantizeRows(type, data, 1, all.length)), bytesOf(oracleDequantizeRows(type, data, 1, all.length)));
    assert.equal(at, -1, at < 0 ? '' : `half 0x${all[at >> 2].toString(16)} widens differently`);
  }
});
