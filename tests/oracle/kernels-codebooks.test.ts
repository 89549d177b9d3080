// Codebooks and scale encodings of the FP4, ternary and 1/2-bit types, exhaustively against llama.cpp:
// every code under every scale byte dequantizes as ggml's to_float does, and the scale a block gets
// (MXFP4's power of two from log2f, NVFP4's UE4M3 rounding) is ggml's for block maxima on and around
// every boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadKernelsFromDisk } from '../../web/src/io/node-wasm.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { oracleDequantizeRows, oracleQuantizeRows } from './llama-cpp.ts';
import { bytesOf, firstDifference, rng } from './kernels-data.ts';

const kernels = await loadKernelsFromDisk();

function sameFloats(type: number, data: Uint8Array, nPerRow: number, what: string): void {
  const nRows = data.length / kernels.rowBytes(type, nPerRow);
  const ours = bytesOf(kernels.dequantizeRows(type, data, nRows, nPerRow));
  const expected = bytesOf(oracleDequantizeRows(type, data, nRows, nPerRow));
  const at = firstDifference(ours, expected);
  assert.equal(at, -1, `${what}: element ${at >> 2} (row ${Math.floor((at >> 2) / nPerRow)}) dequantizes differently`);
}

test('MXFP4: every E8M0 exponent with every pair of codes dequantizes as ggml does', () => {
  // per exponent, 16 blocks of 16 code bytes cover all 256 byte values
  const blocks = new Uint8Array(256 * 16 * 17);
  for (let e = 0; e < 256; e++)
    for (let k = 0; k < 16; k++) {
      const at = (e * 16 + k) * 17;
      blocks[at] = e;
      for (let j = 0; j < 16; j++) blocks[at + 1 + j] = 16 * k + j;
    }
  sameFloats(GgmlType.MXFP4, blocks, 32 * 16, 'mxfp4');
});

test('NVFP4: every UE4M3 scale byte with every pair of codes dequantizes as ggml does', () => {
  // sub-block s of a block carries scale byte (4·block + s) mod 256 and 8 code bytes; 32 rounds cover all bytes
  const nBlocks = 64 * 32;
  const blocks = new Uint8Array(nBlocks * 36);
  for (let b = 0; b < nBlocks; b++)
    for (let s = 0; s < 4; s++) {
      const scale = (4 * b + s) % 256;
      const round = Math.floor((4 * b + s) / 256);
      blocks[b * 36 + s] = scale;
      for (let j = 0; j < 8; j++) blocks[b * 36 + 4 + 8 * s + j] = 8 * round + j;
    }
  sameFloats(GgmlType.NVFP4, blocks, 64, 'nvfp4');
});

/** One block per byte value: every packed byte of the block set to that value, the f16 scale at `scaleAt` = 0.75. */
function everyByteBlocks(bytesPerBlock: number, scaleAt: number): Uint8Array {
  const blocks = new Uint8Array(256 * bytesPerBlock);
  for (let v = 0; v < 256; v++) {
    blocks.fill(v, v * bytesPerBlock, (v + 1) * bytesPerBlock);
    blocks[v * bytesPerBlock + scaleAt] = 0x00; // 0.75 as f16 is 0x3A00
    blocks[v * bytesPerBlock + scaleAt + 1] = 0x3a;
  }
  return blocks;
}

test('TQ1_0, TQ2_0, Q1_0 and Q2_0: every packed byte value dequantizes as ggml does', () => {
  sameFloats(GgmlType.TQ1_0, everyByteBlocks(54, 52), 256, 'tq1_0');
  sameFloats(GgmlType.TQ2_0, everyByteBlocks(66, 64), 256, 'tq2_0');
  sameFloats(GgmlType.Q1_0, everyByteBlocks(18, 0), 128, 'q1_0');
  sameFloats(GgmlType.Q2_0, everyByteBlocks(18, 0), 64, 'q2_0');
});

function floatOfBits(u: number): number {
  return new Float32Array(new Uint32Array([u >>> 0]).buffer)[0];
}

/** Blocks of `blockSize` floats whose largest magnitude is each of `maxima` (the rest smaller, signs mixed). */
function blocksWithMaxima(maxima: number[], blockSize: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(maxima.length * blockSize);
  maxima.forEach((m, b) => {
    for (let j = 0; j < blockSize; j++) x[b * blockSize + j] = m * (r() * 2 - 1);
    x[b * blockSize + Math.floor(r() * blockSize)] = r() < 0.5 ? m : -m;
  });
  return x;
}

test('MXFP4: block exponents equal ggml for maxima on and around every power of two (log2f rounding)', () => {
  const maxima: number[] = [];
  for (let exponent = 0; exponent < 255; exponent++) {
    const power = exponent << 23; // bits of 2^(exponent-127) (exponent 0: the subnormal range)
    for (let d = -48; d <= 48; d++) {
      const bits = power + d;
      if (bits > 0 && bits < 0x7f800000) maxima.push(floatOfBits(bits));
    }
  }
  const x = blocksWithMaxima(maxima, 32, 5);
  const nRows = 1;
  const nPerRow = x.length;
  const ours = kernels.quantizeRows(GgmlType.F32, bytesOf(x), GgmlType.MXFP4, nRows, nPerRow);
  const at = firstDifference(ours, oracleQuantizeRows(GgmlType.MXFP4, x, nRows, nPerRow));
  assert.equal(at, -1, at < 0 ? '' : `block with maximum ${maxima[Math.floor(at / 17)]} differs`);
});

test('NVFP4: sub-block scales equal ggml for maxima around every UE4M3 value and rounding midpoint', () => {
  const maxima: number[] = [];
  const ue4m3 = (u: number) => ((u >> 3) === 0 ? (u & 7) * 2 ** -9 : (1 + (u & 7) / 8) * 2 ** ((u >> 3) - 7));
  for (let u = 1; u < 0x7f; u++) {
    const here = ue4m3(u), next = ue4m3(u + 1);
    for (const v of [here, (here + next) / 2]) {
      const bits = new Uint32Array(new Float32Array([6 * v]).buffer)[0];
      for (let d = -3; d <= 3; d++) maxima.push(floatOfBits(bits + d));
    }
  }
  maxima.push(1e-30, 1e30, 448 * 6, 449 * 6, 2 ** -10 * 6);
  while (maxima.length % 4) maxima.push(1);
  const x = blocksWithMaxima(maxima, 16, 6);
  const nRows = 1;
  const nPerRow = x.length;
  const ours = kernels.quantizeRows(GgmlType.F32, bytesOf(x), GgmlType.NVFP4, nRows, nPerRow);
  const at = firstDifference(ours, oracleQuantizeRows(GgmlType.NVFP4, x, nRows, nPerRow));
  assert.equal(at, -1, at < 0 ? '' : `byte ${at} differs`);
});
