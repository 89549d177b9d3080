// The TypeScript wrapper around the WASM kernels: argument checks, heap scratch reuse, the
// several-outputs and quantized-source paths, and the shape of what it returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadKernelsFromDisk, loadWasmModuleFromDisk } from '../../web/src/io/node-wasm.ts';
import { instantiateKernels } from '../../web/src/core/kernels/kernels.ts';
import { KERNELS_WASM_URL } from '../../web/src/core/kernels/wasm-url.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';

const kernels = await loadKernelsFromDisk();

function values(n: number, seed = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + (i % 5)));
}

function bytesOf(x: Float32Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

test('sizes: rowBytes follows ggml_row_size and outputs have exactly that many bytes', () => {
  assert.equal(kernels.rowBytes(GgmlType.Q4_K, 4096), 16 * 144);
  assert.equal(kernels.rowBytes(GgmlType.Q8_0, 64), 2 * 34);
  assert.equal(kernels.rowBytes(GgmlType.F16, 3), 6);
  const out = kernels.quantizeRows(GgmlType.F32, bytesOf(values(3 * 512)), GgmlType.IQ4_XS, 3, 512);
  assert.equal(out.length, 3 * 2 * 136);
});

test('bad arguments are refused with a message naming the problem', () => {
  const src = bytesOf(values(256));
  assert.throws(() => kernels.quantizeRows(GgmlType.F32, src, GgmlType.Q4_K, 1, 128), (e: unknown) => e instanceof QuantsmithError && /block size 256/.test(e.message));
  assert.throws(() => kernels.quantizeRows(GgmlType.F32, src.subarray(4), GgmlType.Q4_0, 1, 256), /need 1024 bytes, got 1020/);
  assert.throws(() => kernels.quantizeRows(GgmlType.F32, src, GgmlType.Q8_K, 1, 256), /type 15 is not supported/);
  assert.throws(() => kernels.dequantizeRows(GgmlType.Q8_1, new Uint8Array(36), 1, 32), /type 9 is not supported/);
  assert.equal(kernels.supports(GgmlType.Q6_K), true);
  assert.equal(kernels.supports(GgmlType.Q8_K), false);
});

test('importance weights: checked for length and kind, refused where no weighted path exists, ignored where ggml ignores them', () => {
  const x = bytesOf(values(2 * 256, 11));
  const ones = new Float32Array(256).fill(1);
  assert.throws(() => kernels.quantizeRows(GgmlType.F32, x, GgmlType.Q8_0, 2, 256, new Float32Array(255)), (e: unknown) => e instanceof QuantsmithError && /must be 256 float32 values .*got 255/.test(e.message));
  assert.throws(() => kernels.quantizeRows(GgmlType.F32, x, GgmlType.Q8_0, 2, 256, new Float64Array(256) as unknown as Float32Array), /got a Float64Array/);
  for (const t of kernels.types) {
    if (t.importance === 'pending') {
      assert.throws(() => kernels.quantizeRows(GgmlType.F32, x, t.id, 2, 256, ones), (e: unknown) => e instanceof QuantsmithError && e.message.includes(`${t.name} with importance weights is not supported yet`));
    }
    if (t.importance === 'ignored') {
      assert.deepEqual(kernels.quantizeRows(GgmlType.F32, x, t.id, 2, 256, ones), kernels.quantizeRows(GgmlType.F32, x, t.id, 2, 256), t.name);
    }
  }
  for (const name of ['f32', 'f16', 'bf16', 'q8_0']) assert.equal(kernels.types.find((t) => t.name === name)?.importance, 'ignored');
  assert.equal(kernels.requiresImportance(GgmlType.Q4_K), false);
});

test('quantizeRowsToTypes with importance weights gives what separate quantizeRows calls give', () => {
  const src = bytesOf(values(3 * 512, 12));
  const w = Float32Array.from({ length: 512 }, (_, i) => 1 + (i % 9));
  const types = kernels.types.filter((t) => t.importance !== 'pending' && 512 % t.blockSize === 0).map((t) => t.id);
  for (const srcType of [GgmlType.F32, GgmlType.F16]) {
    const s = srcType === GgmlType.F32 ? src : kernels.quantizeRows(GgmlType.F32, src, GgmlType.F16, 3, 512);
    assert.deepEqual(kernels.quantizeRowsToTypes(srcType, s, types, 3, 512, w), types.map((t) => kernels.quantizeRows(srcType, s, t, 3, 512, w)));
  }
});

test('results do not depend on earlier calls, however large (the heap scratch grows and is reused)', () => {
  const small = bytesOf(values(2 * 256, 3));
  const before = kernels.quantizeRows(GgmlType.F32, small, GgmlType.Q5_K, 2, 256);
  kernels.quantizeRows(GgmlType.F32, bytesOf(values(64 * 4096, 9)), GgmlType.Q5_K, 64, 4096); // ~1 MiB in, grows scratch
  const after = kernels.quantizeRows(GgmlType.F32, small, GgmlType.Q5_K, 2, 256);
  assert.deepEqual(after, before);
  kernels.releaseScratch();
  assert.deepEqual(kernels.quantizeRows(GgmlType.F32, small, GgmlType.Q5_K, 2, 256), before);
});

test('returned arrays own their buffer (transferable) and are not views of the WASM heap', () => {
  const src = bytesOf(values(256));
  const a = kernels.quantizeRows(GgmlType.F32, src, GgmlType.Q8_0, 1, 256);
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, a.length);
  const copy = a.slice();
  kernels.quantizeRows(GgmlType.F32, bytesOf(values(256, 5)), GgmlType.Q8_0, 1, 256);
  assert.deepEqual(a, copy);
  const f = kernels.dequantizeRows(GgmlType.Q8_0, a, 1, 256);
  assert.equal(f.buffer.byteLength, 256 * 4);
});

test('quantizeRowsToTypes gives what separate quantizeRows calls give, in dstTypes order', () => {
  const src = bytesOf(values(2 * 512, 2));
  const types = [GgmlType.Q4_K, GgmlType.Q8_0, GgmlType.F16, GgmlType.IQ4_NL];
  const together = kernels.quantizeRowsToTypes(GgmlType.F32, src, types, 2, 512);
  assert.deepEqual(together, types.map((t) => kernels.quantizeRows(GgmlType.F32, src, t, 2, 512)));
});

test('rows filled in place in inputArea quantize like the same bytes passed in, even when the area grows the heap', () => {
  const types = [GgmlType.Q4_K, GgmlType.Q8_0];
  for (const rows of [2, 4096]) { // 4096 rows of 512 F32 values: 8 MiB, more than the heap held before
    const src = bytesOf(values(rows * 512, 5));
    const area = kernels.inputArea(GgmlType.F32, rows, 512);
    assert.equal(area.byteLength, src.byteLength);
    area.set(src);
    assert.deepEqual(kernels.quantizeInputToTypes(GgmlType.F32, types, rows, 512), kernels.quantizeRowsToTypes(GgmlType.F32, src, types, rows, 512));
  }
});

test('a quantized source is requantized from its dequantized values', () => {
  const q8 = kernels.quantizeRows(GgmlType.F32, bytesOf(values(2 * 256, 4)), GgmlType.Q8_0, 2, 256);
  const viaF32 = kernels.quantizeRows(GgmlType.F32, bytesOf(kernels.dequantizeRows(GgmlType.Q8_0, q8, 2, 256)), GgmlType.Q4_K, 2, 256);
  assert.deepEqual(kernels.quantizeRows(GgmlType.Q8_0, q8, GgmlType.Q4_K, 2, 256), viaF32);
});

test('F16 and BF16 sources quantize like the F32 values they hold', () => {
  const x = values(2 * 256, 6);
  for (const half of [GgmlType.F16, GgmlType.BF16]) {
    const h = kernels.quantizeRows(GgmlType.F32, bytesOf(x), half, 2, 256);
    const widened = kernels.dequantizeRows(half, h, 2, 256);
    for (const dst of [GgmlType.Q4_0, GgmlType.Q6_K, GgmlType.F32, half]) {
      assert.deepEqual(kernels.quantizeRows(half, h, dst, 2, 256), kernels.quantizeRows(GgmlType.F32, bytesOf(widened), dst, 2, 256));
    }
  }
});

test('dequantize(quantize(x)) stays close to x for every kernel type', () => {
  const x = values(512, 8);
  for (const t of kernels.types) {
    const weights = t.importance === 'required' ? new Float32Array(512).fill(1) : undefined;
    const back = kernels.dequantizeRows(t.id, kernels.quantizeRows(GgmlType.F32, bytesOf(x), t.id, 1, 512, weights), 1, 512);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(back[i] - x[i]));
    // amplitude up to 5; even Q2_K stays well inside half of it, Q1_0 (a sign and one scale per 128) inside all of it,
    // and so do the 1.5-bit IQ1 types (three levels, made for use with an imatrix), as llama.cpp's do
    const limit = t.name === 'q1_0' ? 5 : t.name.startsWith('iq1') ? 1.2 * 5 : 0.5 * 5;
    assert.ok(worst < limit, `${t.name}: worst error ${worst}`);
  }
});

test('zero rows give empty outputs', () => {
  assert.equal(kernels.quantizeRows(GgmlType.F32, new Uint8Array(0), GgmlType.Q4_0, 0, 32).length, 0);
  assert.equal(kernels.dequantizeRows(GgmlType.Q4_0, new Uint8Array(0), 0, 32).length, 0);
});

test('instantiates from raw bytes as well as from a compiled module', async () => {
  const fromBytes = await instantiateKernels(await readFile(fileURLToPath(KERNELS_WASM_URL)));
  const fromModule = await instantiateKernels(await loadWasmModuleFromDisk());
  const src = bytesOf(values(256));
  assert.deepEqual(fromBytes.quantizeRows(GgmlType.F32, src, GgmlType.Q3_K, 1, 256), fromModule.quantizeRows(GgmlType.F32, src, GgmlType.Q3_K, 1, 256));
  assert.equal(fromBytes.types.length, fromModule.types.length);
});

test('a missing module file is reported with how to build it', async () => {
  await assert.rejects(loadWasmModuleFromDisk('/nonexistent/quantsmith.wasm'), /node scripts\/build-wasm\.mjs/);
});
