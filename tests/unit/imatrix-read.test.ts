// The importance-matrix reader: both formats recognised by content, the shared files llama-imatrix wrote,
// load_imatrix's normalisation and filters, and a named one-line refusal for every kind of bad file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { GgufValueType as V } from '../../web/src/core/formats/gguf/model.ts';
import type { ImportanceMatrix } from '../../web/src/core/imatrix/imatrix.ts';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { imatrixOverrides, quantizeWeights } from '../../web/src/core/imatrix/quantize-weights.ts';
import { MemorySource } from '../fixtures/memory-source.ts';
import { encodeImatrixDat, encodeImatrixGguf, syntheticEntry } from '../fixtures/imatrix-file.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_DAT, SHARED_IMATRIX_GGUF } from '../helpers/paths.ts';

const read = (bytes: Uint8Array, name = 'x.imatrix') => readImatrix(new MemorySource(bytes, name));
async function refused(bytes: Uint8Array, message: RegExp, name = 'bad.imatrix') {
  await assert.rejects(read(bytes, name), (e: Error) => {
    assert.ok(e instanceof QuantsmithError, `${e}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.match(e.message, new RegExp(`^importance matrix ${name}: `));
    assert.match(e.message, message);
    return true;
  });
}

const moe: ImportanceMatrix = {
  format: 'gguf', datasets: ['calib.txt', 'more.txt'], chunkCount: 12, chunkSize: 128,
  entries: [syntheticEntry('blk.0.ffn_up_exps.weight', 32, [37, 0, 5, 120], 1), syntheticEntry('blk.0.attn_q.weight', 64, [40], 2)],
};

test("the shared files llama-imatrix wrote: both formats, by content whatever their names", async () => {
  const gguf = await read(readFileSync(SHARED_IMATRIX_GGUF), 'no-extension');
  const dat = await read(readFileSync(SHARED_IMATRIX_DAT), 'looks-like.gguf');
  assert.equal(gguf.format, 'gguf');
  assert.equal(dat.format, 'dat');
  for (const m of [gguf, dat]) {
    assert.deepEqual(m.datasets, ['calibration.txt']);
    assert.equal(m.chunkCount, 64);
    assert.equal(m.entries.length, 28);
  }
  assert.equal(gguf.chunkSize, 256);
  assert.deepEqual(gguf.entries.map((e) => e.name), dat.entries.map((e) => e.name));
  // the two files hold the same statistics: sums / counts (GGUF) and (sums / counts) × ncall / ncall (.dat)
  const g = quantizeWeights(gguf).byTensor;
  const d = quantizeWeights(dat).byTensor;
  for (const [name, values] of g) {
    const other = d.get(name)!;
    assert.equal(other.length, values.length);
    values.forEach((v, i) => assert.ok(Math.abs(v - other[i]) <= 1e-5 * Math.max(1, v), `${name}[${i}]: ${v} vs ${other[i]}`));
  }
});

test('GGUF: per-expert counts divide their own sums; an expert never reached gets 1.0', async () => {
  const m = await read(encodeImatrixGguf(moe));
  assert.deepEqual(m.datasets, ['calib.txt', 'more.txt']);
  const w = quantizeWeights(m).byTensor.get('blk.0.ffn_up_exps.weight')!;
  const sums = moe.entries[0].sums;
  assert.equal(w[0], Math.fround(sums[0] / 37));
  assert.deepEqual([...w.subarray(32, 64)], new Array(32).fill(1));
  assert.equal(w[64 + 3], Math.fround(sums[64 + 3] / 5));
  assert.equal(w[96 + 31], Math.fround(sums[96 + 31] / 120));
});

test('legacy .dat: sums divided by ncall (0 keeps them), the optional trailer read', async () => {
  const e1 = syntheticEntry('blk.0.attn_k.weight', 8, [6], 3);
  const e0 = { ...syntheticEntry('blk.0.attn_v.weight', 8, [1], 4), counts: Float32Array.of(0) };
  const m = await read(encodeImatrixDat([e1, e0], 9, 'wiki.txt'));
  assert.deepEqual([m.format, m.chunkCount, m.datasets], ['dat', 9, ['wiki.txt']]);
  const w = quantizeWeights(m).byTensor;
  assert.equal(w.get('blk.0.attn_k.weight')![2], Math.fround(e1.sums[2] / 6));
  assert.deepEqual(w.get('blk.0.attn_v.weight'), e0.sums);
  const bare = await read(encodeImatrixDat([e1]));
  assert.deepEqual([bare.chunkCount, bare.datasets], [0, []]);
});

test('--include-weights / --exclude-weights filter by substring; the metadata counts what is left', async () => {
  const m = await read(encodeImatrixGguf(moe));
  assert.deepEqual([...quantizeWeights(m, ['attn']).byTensor.keys()], ['blk.0.attn_q.weight']);
  assert.deepEqual([...quantizeWeights(m, [], ['attn']).byTensor.keys()], ['blk.0.ffn_up_exps.weight']);
  assert.throws(() => quantizeWeights(m, ['a'], ['b']), /--include-weights and --exclude-weights cannot be used together/);
  assert.deepEqual(imatrixOverrides(quantizeWeights(m), 'dir/m.imatrix'), [
    { key: 'quantize.imatrix.file', type: 'str', value: 'dir/m.imatrix' },
    { key: 'quantize.imatrix.dataset', type: 'str', value: 'calib.txt' },
    { key: 'quantize.imatrix.entries_count', type: 'int', value: 2 },
    { key: 'quantize.imatrix.chunks_count', type: 'int', value: 12 },
  ]);
  assert.deepEqual(imatrixOverrides(quantizeWeights(m, ['nothing']), 'm'), [], 'no entry left: as without an imatrix');
});

test('bad GGUF imatrices are refused by name', async () => {
  const good = encodeImatrixGguf(moe);
  await refused(good.subarray(0, good.length - 40), /truncated/);
  await refused(good.subarray(0, 20), /truncated|absurd/);
  await refused(readFileSync(SHARED_F16_GGUF), /this GGUF file is a model, not an importance matrix/, 'pydoc-llama-5m-F16.gguf');
  const unpaired: ImportanceMatrix = { ...moe, entries: [{ ...moe.entries[1], counts: new Float32Array(0) }] };
  await refused(encodeImatrixGguf({ ...unpaired, entries: [] }), /no data in file/);
  const split = { ...moe, entries: [{ ...moe.entries[1], counts: Float32Array.of(1, 2, 3) }] };
  await refused(encodeImatrixGguf(split), /sums and counts for blk\.0\.attn_q\.weight do not pair: 64 sums cannot be split among 3/);
  const nan = { ...moe, entries: [{ ...moe.entries[1], sums: moe.entries[1].sums.map((v, i) => (i === 5 ? NaN : v)) }] };
  await refused(encodeImatrixGguf(nan), /entry blk\.0\.attn_q\.weight has an invalid sum NaN at index 5/);
  const negative = { ...moe, entries: [{ ...moe.entries[0], counts: Float32Array.of(3, -1, 0, 2) }] };
  await refused(encodeImatrixGguf(negative), /invalid count -1 for expert 1/);
});

test('a GGUF imatrix needs its metadata and paired tensors', async () => {
  const { encodeGgufFile } = await import('../fixtures/gguf-file.ts');
  const f32 = (n: number) => new Uint8Array(n * 4);
  const withTensors = (names: string[], metadata = true) => encodeGgufFile({
    metadata: metadata ? [
      { key: 'imatrix.datasets', type: V.ARRAY, value: { itemType: V.STRING, items: ['a'] } },
      { key: 'imatrix.chunk_count', type: V.UINT32, value: 1 }, { key: 'imatrix.chunk_size', type: V.UINT32, value: 1 },
    ] : [{ key: 'imatrix.chunk_count', type: V.UINT32, value: 1 }],
    tensors: names.map((name) => ({ name, shape: [4], type: 0 })),
  }, (_n, len) => f32(len / 4)).bytes;
  await refused(withTensors(['a.weight.in_sum2', 'a.weight.counts'], false), /missing imatrix metadata \(imatrix\.datasets, imatrix\.chunk_size\)/);
  await refused(withTensors(['a.weight.in_sum2']), /mismatched sums and counts for a\.weight \(the file has no counts\)/);
  await refused(withTensors(['a.weight', 'b.bias']), /no \.in_sum2 \/ \.counts tensors/);
});

test('bad legacy files are refused by name, never read as garbage', async () => {
  const e = syntheticEntry('blk.0.attn_k.weight', 8, [6], 3);
  const dat = encodeImatrixDat([e], 4, 'data.txt');
  await refused(new Uint8Array([1, 0]), /only 2 bytes/);
  await refused(encodeImatrixDat([]), /no data in file \(its entry count is 0\)/);
  await refused(dat.subarray(0, 40), /file is truncated: entry 1 \(blk\.0\.attn_k\.weight\) has 8 values, only \d+ bytes are left/);
  await refused(dat.subarray(0, dat.length - 3), /truncated: the dataset name needs 8 bytes, 5 are left/);
  await refused(new TextEncoder().encode('{"hello": "this is JSON, not an imatrix"}'), /not an importance matrix/);
  await refused(encodeImatrixDat([e, e]), /entry blk\.0\.attn_k\.weight appears twice/);
  await refused(encodeImatrixDat([{ ...e, counts: Float32Array.of(-2) }]), /invalid count -2/);
  await refused(encodeImatrixDat([{ ...e, sums: e.sums.map((v, i) => (i === 1 ? -v : v)) }]), /invalid sum -[\d.e+-]+ at index 1/);
  const bytes = dat.slice();
  new DataView(bytes.buffer).setInt32(4 + 4 + 19 + 4, 0, true); // nval = 0
  await refused(bytes, /failed reading number of values for entry 1 \(blk\.0\.attn_k\.weight\): 0/);
});
