// The WASM kernels against llama.cpp itself: for every type Quantsmith can write, quantized bytes must
// equal ggml_quantize_chunk's (no importance matrix) and dequantized floats must equal ggml's to_float,
// bit for bit, across row lengths, value distributions and F32/F16/BF16 sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { GGML_TYPES, GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleFp32ToBf16, oracleFp32ToFp16, oracleQuantizeRows } from './llama-cpp.ts';

const kernels = await loadKernelsFromDisk();
const KERNEL_TYPES = GGML_TYPES.filter((t) => t.kernel);

/** Deterministic xorshift32 in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

type Fill = (n: number, seed: number) => Float32Array;

/** Value distributions chosen to reach every branch of the reference quantizers. */
const DISTRIBUTIONS: Record<string, Fill> = {
  normal: (n, seed) => {
    const g = gaussian(rng(seed));
    return Float32Array.from({ length: n }, () => 0.02 * g());
  },
  uniform: (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => 2 * r() - 1);
  },
  zeros: (n) => new Float32Array(n),
  'negative zeros': (n) => new Float32Array(n).fill(-0),
  'signed zeros and positives': (n, seed) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => [0, -0, 0.25, 1.5][Math.floor(r() * 4)]);
  },
  'one huge outlier': (n, seed) => {
    const g = gaussian(rng(seed));
    const x = Float32Array.from({ length: n }, () => 0.05 * g());
    x[Math.floor(n / 3)] = 1000;
    return x;
  },
  tiny: (n, seed) => {
    const g = gaussian(rng(seed));
    return Float32Array.from({ length: n }, () => 1e-6 * g());
  },
  subnormals: (n, seed) => {
    // F32 subnormals: the scale itself is subnormal, 1/d overflows, and x86's float→int conversion decides the bytes
    const r = rng(seed);
    return Float32Array.from({ length: n }, (_, i) => (i % 64 === 0 ? 0 : (2 * r() - 1) * [1e-39, 3e-40, 1e-44][i % 3]));
  },
  'near the all-zero threshold': (n, seed) => {
    const g = gaussian(rng(seed));
    return Float32Array.from({ length: n }, () => 1e-15 * g());
  },
  'mixed signs by block': (n, seed) => {
    const r = rng(seed);
    // each 16-run is all positive, all negative or mixed
    return Float32Array.from({ length: n }, (_, i) => {
      const mode = Math.floor(i / 16) % 3;
      const v = r() * 3;
      return mode === 0 ? v : mode === 1 ? -v : r() < 0.5 ? v : -v;
    });
  },
  'rounding ties': (n, seed) => {
    const r = rng(seed);
    // multiples of 1/16 in [-4, 4): many quantized values land exactly halfway
    return Float32Array.from({ length: n }, () => Math.floor(r() * 128 - 64) / 16);
  },
  constant: (n) => new Float32Array(n).fill(0.375),
  'huge magnitudes': (n, seed) => {
    const r = rng(seed);
    // beyond F16's range: scales overflow to infinity, F16 sources hold infinities
    return Float32Array.from({ length: n }, () => (2 * r() - 1) * 1e30);
  },
  // corrupt weights: llama.cpp still writes the formats whose scales stay finite, so we must match it
  'infinities and a NaN': (n, seed) => {
    const g = gaussian(rng(seed));
    const x = Float32Array.from({ length: n }, () => g());
    x[1] = Infinity;
    x[Math.floor(n / 2) + 3] = -Infinity;
    x[n - 5] = NaN;
    return x;
  },
  'max magnitude negative': (n, seed) => {
    const r = rng(seed);
    const x = Float32Array.from({ length: n }, () => r() - 0.5);
    for (let i = 0; i < n; i += 32) x[i + (i % 7)] = -8; // the largest magnitude in each block is negative
    return x;
  },
};

function rowLengths(blockSize: number): number[] {
  return blockSize === 256 ? [256, 512, 2816] : [32, 256, 2816];
}

function bytesOf(x: Float32Array | Uint16Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** The source rows as they would sit in a model of srcType, and their exact F32 values. */
function asSource(srcType: number, values: Float32Array, nRows: number, nPerRow: number): { src: Uint8Array; f32: Float32Array } {
  if (srcType === GgmlType.F32) return { src: bytesOf(values), f32: values };
  const halves = srcType === GgmlType.F16 ? oracleFp32ToFp16(values) : oracleFp32ToBf16(values);
  return { src: bytesOf(halves), f32: oracleDequantizeRows(srcType, bytesOf(halves), nRows, nPerRow) };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const SOURCES = [
  ['F32', GgmlType.F32],
  ['F16', GgmlType.F16],
  ['BF16', GgmlType.BF16],
] as const;

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
