// How tensors are cut into slabs: whole rows, bounded bytes, and never across an expert of a 3-D tensor
// (each expert has its own importance weights, as llama.cpp's quantizer never lets a chunk cross one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slabsOf } from '../../web/src/core/engine/chunking.ts';

const cover = (slabs: { firstRow: number; rowCount: number }[]) => slabs.reduce((n, s) => {
  assert.equal(s.firstRow, n, 'slabs follow each other');
  return n + s.rowCount;
}, 0);

test('slabs are whole rows within the byte budget and cover the tensor', () => {
  const slabs = slabsOf(1000, 100, 4096);
  assert.equal(cover(slabs), 1000);
  assert.ok(slabs.every((s) => s.rowCount <= 40 && s.rowCount >= 1));
  assert.deepEqual(slabsOf(3, 1 << 20, 1024), [{ firstRow: 0, rowCount: 1 }, { firstRow: 1, rowCount: 1 }, { firstRow: 2, rowCount: 1 }]);
});

test('no slab straddles an expert: 4 experts of 96 rows with slabs of up to 40 rows', () => {
  const slabs = slabsOf(4 * 96, 10, 400, 96);
  assert.equal(cover(slabs), 384);
  for (const s of slabs) assert.equal(Math.floor(s.firstRow / 96), Math.floor((s.firstRow + s.rowCount - 1) / 96), JSON.stringify(s));
  assert.deepEqual(slabs.slice(0, 3).map((s) => s.rowCount), [40, 40, 16]);
});
