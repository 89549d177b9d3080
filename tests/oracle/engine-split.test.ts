// Split GGUF models, in and out, against llama.cpp: a split input read through its first shard gives
// llama_model_quantize's bytes; --keep-split gives its shards byte for byte; --split-max-size and
// --split-max-tensors give the shards llama-gguf-split --split would cut from llama-quantize's file
// (checked against our reading of gguf-split.cpp, and by llama.cpp loading them back into the same file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import type { GgufHeader } from '../../web/src/core/formats/gguf/model.ts';
import { splitShardName } from '../../web/src/core/formats/gguf/split-names.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { writeSplitSyntheticModel } from '../fixtures/split-models.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { CLI_BIN, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const dir = scratchDir();
oracleQuietLogs();
const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-gqa-8l-f16')!;
const shards = writeSplitSyntheticModel(join(dir, 'in'), spec, 3);
const single = join(dir, 'single.gguf');
writeSyntheticModel(single, spec);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', ...args], { encoding: 'utf8', cwd: dir });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
const same = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));
async function header(path: string): Promise<GgufHeader> {
  const src = await openNodeFile(path);
  try {
    return await readGgufHeader(src);
  } finally {
    await src.close?.();
  }
}

test('a split input opened by its first shard: the same single file as llama.cpp', () => {
  assert.equal(oracleQuantizeFile(shards[0], join(dir, 'llama-from-split.gguf'), { ftype: 15 }), 0);
  const r = cli(shards[0], '-o', 'ours-from-split.gguf', '-t', 'Q4_K_M');
  assert.equal(r.status, 0, r.err);
  assert.ok(same(join(dir, 'ours-from-split.gguf'), join(dir, 'llama-from-split.gguf')));
});

test('--keep-split: the same shards as llama-quantize --keep-split, for a split and a single input', () => {
  assert.equal(oracleQuantizeFile(shards[0], join(dir, 'llama-ks'), { ftype: 15, keepSplit: true }), 0);
  const r = cli(shards[0], '-o', 'ours-ks.gguf', '-t', 'Q4_K_M', '--keep-split');
  assert.equal(r.status, 0, r.err);
  for (let i = 0; i < 3; i++) assert.ok(same(splitShardName(join(dir, 'ours-ks'), i, 3), splitShardName(join(dir, 'llama-ks'), i, 3)), `shard ${i + 1}`);
  assert.equal(existsSync(join(dir, 'ours-ks.gguf')), false);

  assert.equal(oracleQuantizeFile(single, join(dir, 'llama-ks1'), { ftype: 7, keepSplit: true }), 0);
  assert.equal(cli(single, '-o', 'ours-ks1.gguf', '-t', 'Q8_0', '--keep-split').status, 0);
  assert.ok(same(join(dir, 'ours-ks1-00001-of-00001.gguf'), join(dir, 'llama-ks1-00001-of-00001.gguf')));
});

test('a missing or mismatched shard is refused in one line, and nothing is written', () => {
  const gone = writeSplitSyntheticModel(join(dir, 'gone'), spec, 3);
  rmSync(gone[1]);
  let r = cli(gone[0], '-o', 'gone-out.gguf', '-t', 'Q8_0');
  assert.notEqual(r.status, 0);
  assert.match(r.err, /shard 2 of 3 is missing: gone-00002-of-00003\.gguf/);
  const wrong = writeSplitSyntheticModel(join(dir, 'wrong'), spec, 3, (k, kvs) => kvs.map((kv) => (k === 2 && kv.key === 'split.no' ? { ...kv, value: 1 } : kv)));
  r = cli(wrong[0], '-o', 'wrong-out.gguf', '-t', 'Q8_0');
  assert.match(r.err, /wrong-00003-of-00003\.gguf says it is shard 2, expected 3 of 3/);
  r = cli(shards[1], '-o', 'second-out.gguf', '-t', 'Q8_0');
  assert.match(r.err, /is shard 2 of 3; open the first one/);
  const miscounted = writeSplitSyntheticModel(join(dir, 'count'), spec, 2, (k, kvs) => kvs.map((kv) => (kv.key === 'split.tensors.count' ? { ...kv, value: 5 } : kv)));
  r = cli(miscounted[0], '-o', 'count-out.gguf', '-t', 'Q8_0');
  assert.match(r.err, /hold \d+ tensors, but count-00001-of-00002\.gguf says 5/);
  for (const f of ['gone-out', 'wrong-out', 'second-out', 'count-out']) assert.equal(readdirSync(dir).some((n) => n.startsWith(f)), false);
  // llama.cpp refuses the same sets
  for (const first of [gone[0], wrong[0], shards[1], miscounted[0]]) assert.notEqual(oracleQuantizeFile(first, join(dir, 'x.gguf'), { ftype: 7 }), 0);
});

/** gguf-split's cut of a file, by our reading of gguf-split.cpp's split_strategy. */
function expectedCut(h: GgufHeader, maxBytes?: number, maxTensors?: number): number[] {
  let shard = 0;
  let current = 0;
  return h.tensors.map((t, i) => {
    const padded = Math.ceil(t.byteLength / 32) * 32;
    const split = maxBytes !== undefined ? current + padded > maxBytes : i > 0 && i % maxTensors! === 0;
    current = split ? padded : current + padded;
    if (split) shard++;
    return shard;
  });
}

for (const [label, flag, value, maxBytes, maxTensors] of [
  ['--split-max-tensors 20', '--split-max-tensors', '20', undefined, 20],
  ['--split-max-size 1M', '--split-max-size', '1M', 1e6, undefined],
] as const) {
  test(`${label}: the shards gguf-split would cut from llama-quantize's file, which llama.cpp reads back into that file`, async () => {
    const llama = join(dir, `llama-${flag}.gguf`);
    assert.equal(oracleQuantizeFile(single, llama, { ftype: 15 }), 0);
    const r = cli(single, '-o', `split${flag}.gguf`, '-t', 'Q4_K_M', flag, value);
    assert.equal(r.status, 0, r.err);
    const whole = await header(llama);
    const cut = expectedCut(whole, maxBytes, maxTensors);
    const count = cut.at(-1)! + 1;
    assert.ok(count >= 2, `only ${count} shard`);
    const paths = Array.from({ length: count }, (_, i) => splitShardName(join(dir, `split${flag}`), i, count));
    const bytes = readFileSync(llama);
    for (let k = 0; k < count; k++) {
      const h = await header(paths[k]);
      const splitKeys = [['split.no', k], ['split.tensors.count', whole.tensors.length], ['split.count', count]];
      const expectedKeys = [...(k === 0 ? whole.metadata.map((kv) => kv.key) : []), ...splitKeys.map(([key]) => key)];
      assert.deepEqual(h.metadata.map((kv) => kv.key), expectedKeys, `shard ${k + 1} keys`);
      for (const [key, v] of splitKeys) assert.equal(h.metadata.find((kv) => kv.key === key)?.value, v);
      const mine = whole.tensors.filter((_, i) => cut[i] === k);
      assert.deepEqual(h.tensors.map((t) => t.name), mine.map((t) => t.name));
      const shardBytes = readFileSync(paths[k]);
      for (const [i, t] of h.tensors.entries()) {
        const from = whole.dataOffset + mine[i].offset;
        assert.ok(shardBytes.subarray(h.dataOffset + t.offset, h.dataOffset + t.offset + t.byteLength).equals(bytes.subarray(from, from + t.byteLength)), t.name);
      }
      assert.equal(shardBytes.length, h.dataOffset + mine.reduce((n, t) => n + Math.ceil(t.byteLength / 32) * 32, 0));
    }
    // llama.cpp loads the shards (split.* keys, names, counts) and, copying every tensor, writes llama-quantize's file again
    const back = join(dir, `back-${flag}.gguf`);
    assert.equal(oracleQuantizeFile(paths[0], back, { ftype: 15, allowRequantize: true }), 0);
    assert.ok(same(back, llama));
  });
}

test('a split size or count gguf-split would refuse is refused, and nothing is written', () => {
  const r = cli(single, '-o', 'tiny.gguf', '-t', 'Q8_0', '--split-max-size', '0M');
  assert.match(r.err, /size must be a positive value/);
  const big = cli(single, '-o', 'tiny.gguf', '-t', 'F16', '--split-max-tensors', '0');
  assert.match(big.err, /at least 1/);
  assert.equal(readdirSync(dir).some((n) => n.startsWith('tiny')), false);
});

test('--keep-split of a Hugging Face folder: the file order of the converter\'s output, as llama-quantize reads it', async () => {
  const { writeSyntheticFolder } = await import('../fixtures/hf/synthetic-folder.ts');
  const { SYNTHETIC_SPECS } = await import('../fixtures/hf/synthetic-specs.ts');
  const folder = join(dir, 'hf-llama');
  writeSyntheticFolder(folder, SYNTHETIC_SPECS['synth-llama']);
  // the plain conversion is the converter's file (checked against convert_hf_to_gguf.py's digests elsewhere)
  assert.equal(cli(folder, '-o', 'hf-F16.gguf', '-t', 'F16').status, 0);
  assert.equal(oracleQuantizeFile(join(dir, 'hf-F16.gguf'), join(dir, 'llama-hf-ks'), { ftype: 15, keepSplit: true }), 0);
  const r = cli(folder, '-o', 'ours-hf-ks.gguf', '-t', 'Q4_K_M', '--keep-split');
  assert.equal(r.status, 0, r.err);
  assert.ok(same(join(dir, 'ours-hf-ks-00001-of-00001.gguf'), join(dir, 'llama-hf-ks-00001-of-00001.gguf')));
});
