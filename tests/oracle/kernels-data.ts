// Test data shared by the kernel oracle tests: value distributions that reach every branch of the
// reference quantizers, source rows as F32/F16/BF16 bytes (with llama.cpp's own rounding), and byte
// comparison helpers.
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleFp32ToBf16, oracleFp32ToFp16 } from './llama-cpp.ts';

/** Deterministic xorshift32 in [0, 1). */
export function rng(seed: number): () => number {
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

export function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

export type Fill = (n: number, seed: number) => Float32Array;

/** Value distributions chosen to reach every branch of the reference quantizers. */
export const DISTRIBUTIONS: Record<string, Fill> = {
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

export function bytesOf(x: Float32Array | Uint16Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** The source rows as they would sit in a model of srcType, and their exact F32 values. */
export function asSource(srcType: number, values: Float32Array, nRows: number, nPerRow: number): { src: Uint8Array; f32: Float32Array } {
  if (srcType === GgmlType.F32) return { src: bytesOf(values), f32: values };
  const halves = srcType === GgmlType.F16 ? oracleFp32ToFp16(values) : oracleFp32ToBf16(values);
  return { src: bytesOf(halves), f32: oracleDequantizeRows(srcType, bytesOf(halves), nRows, nPerRow) };
}

export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

export const SOURCES = [
  ['F32', GgmlType.F32],
  ['F16', GgmlType.F16],
  ['BF16', GgmlType.BF16],
] as const;
