// The float conversions of the HF import against ggml's own: float32 → float16 and → bfloat16 rounding, and
// float16 → float32 widening (every one of the 65536 half values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bf16BitsToF32Bits, f16BitsToF32Bits, f32BitsToBf16Bits, f32BitsToF16Bits,
} from '../../web/src/core/formats/hf/float-bits.ts';
import { elementConverter } from '../../web/src/core/formats/hf/tensor-recipe.ts';
import { oracleDequantizeRows, oracleFp32ToBf16, oracleFp32ToFp16 } from './llama-cpp.ts';

/** Float32 bit patterns: random ones, and the edges of float16's range (subnormals, rounding to infinity). */
function samples(withNaN: boolean): Uint32Array {
  const out: number[] = [];
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 200000; i++) out.push(next() ^ (next() << 16));
  for (let b = 0x33000000 - 4000; b < 0x33000000 + 4000; b++) out.push(b, b | 0x80000000);
  for (let b = 0x387fc000; b < 0x38800400; b++) out.push(b);
  for (let b = 0x477fe000; b < 0x47800100; b++) out.push(b);
  out.push(0, 0x80000000, 0x7f800000, 0xff800000, 0x7f7fffff);
  const bits = Uint32Array.from(out);
  return withNaN ? bits : bits.filter((b) => (b & 0x7fffffff) <= 0x7f800000);
}

test('float32 → float16 rounds as ggml does', () => {
  const bits = samples(false);
  const want = oracleFp32ToFp16(new Float32Array(bits.buffer));
  const got = Uint16Array.from(bits, f32BitsToF16Bits);
  assert.deepEqual(got, want);
});

test('float32 → bfloat16 rounds as ggml does, NaNs made quiet', () => {
  const bits = samples(true);
  const want = oracleFp32ToBf16(new Float32Array(bits.buffer));
  const got = Uint16Array.from(bits, f32BitsToBf16Bits);
  assert.deepEqual(got, want);
});

test('float16 → float32 widens every half value as ggml does', () => {
  const halves = Uint16Array.from({ length: 65536 }, (_, i) => i).filter((h) => (h & 0x7c00) !== 0x7c00 || (h & 0x3ff) === 0);
  const want = new Uint32Array(oracleDequantizeRows(1, new Uint8Array(halves.buffer), 1, halves.length).buffer);
  assert.deepEqual(Uint32Array.from(halves, f16BitsToF32Bits), want);
});

test('bfloat16 → float32 is a shift', () => {
  assert.equal(bf16BitsToF32Bits(0x3f80), 0x3f800000);
  assert.equal(bf16BitsToF32Bits(0xbfc0), 0xbfc00000);
});

test('Gemma\'s +1 on a float16 norm: added in float32, rounded back to float16, then stored as float32', () => {
  const convert = elementConverter('F16', 0, true);
  const halves = Uint16Array.from({ length: 0x7c00 }, (_, i) => i); // every finite positive half
  const sums = Float32Array.from(halves, (h) => new Float32Array(new Uint32Array([f16BitsToF32Bits(h)]).buffer)[0]! + 1);
  const rounded = oracleFp32ToFp16(sums);
  const want = new Uint32Array(oracleDequantizeRows(1, new Uint8Array(rounded.buffer), 1, rounded.length).buffer);
  assert.deepEqual(Uint32Array.from(halves, convert), want);
});
