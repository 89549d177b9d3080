// Models that catch what the standard synthetic set cannot, each quantized to every ftype in ONE job and
// compared byte for byte with llama.cpp's file:
//  - odd row counts (509 tokens, 289 feed-forward rows: ffn_down falls back to F16) in F32 and BF16 sources, so quantized tensors (Q4_0's 18-byte blocks, Q8_0's 34, Q6_K's
//    210 …) are not multiples of 32 bytes and every tensor, the last included, needs padding; with an
//    explicit general.alignment (llama.cpp copies the key);
//  - an MoE model with shared experts (ffn_*_shexp: two ffn_down per layer), a dense leading layer, and the
//    feed-forward tensors stored last layer first, so the layer of an ffn tensor is only known from its name;
//  - 1, 2 and 3 workers giving the same bytes.
// A general.alignment other than 32 is refused by the plan: llama.cpp's file would contradict itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runJob } from '../../web/src/core/engine/run-job.ts';
import { readGgufHeader } from '../../web/src/core/formats/gguf/reader.ts';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { planQuantization } from '../../web/src/core/quant/plan.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../../web/src/io/node-wasm.ts';
import { createNodePool } from '../../web/src/workers/node-pool.ts';
import { writeSyntheticModel, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const dir = scratchDir();
oracleQuietLogs();
const writable = FTYPES.filter((f) => !f.needsImatrix);

export const HARDENING_SPECS: readonly SyntheticModelSpec[] = [
  { id: 'llama-odd-rows-f32', arch: 'llama', dtype: 'f32', nLayer: 2, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 289, nVocab: 509, alignment: 32, seed: 21 },
  { id: 'qwen2-odd-rows-bf16', arch: 'qwen2', dtype: 'bf16', nLayer: 2, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 301, tiedEmbeddings: true, seed: 22 },
  {
    id: 'llama-moe-shexp-dense-reordered-f16', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 256,
    nExpert: 4, nExpertUsed: 2, sharedExperts: true, denseLeadingLayers: 1, ffnLastReversed: true, seed: 23,
  },
];

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `first difference at byte ${i} of ${a.length}`;
  return `sizes ${a.length} vs ${b.length}`;
}

for (const spec of HARDENING_SPECS) {
  test(`${spec.id}: every ftype is byte-identical to llama.cpp`, async () => {
    const input = join(dir, `${spec.id}.gguf`);
    writeSyntheticModel(input, spec);
    const outputs = writable.map((f) => ({ options: { ftype: f.name }, path: join(dir, `${spec.id}-${f.name}.ours.gguf`) }));
    await quantizeWithEngine(input, outputs);
    let unpadded = 0;
    let lastUnpadded = 0;
    for (const f of writable) {
      const theirs = join(dir, `${spec.id}-${f.name}.llama.gguf`);
      assert.equal(oracleQuantizeFile(input, theirs, { ftype: f.id }), 0, `llama.cpp failed on ${f.name}`);
      const a = readFileSync(join(dir, `${spec.id}-${f.name}.ours.gguf`));
      const b = readFileSync(theirs);
      assert.ok(a.equals(b), `${spec.id} ${f.name}: ${firstDifference(a, b)}`);
      const src = await openNodeFile(theirs);
      const header = await readGgufHeader(src).finally(() => src.close());
      unpadded += header.tensors.filter((t) => t.byteLength % 32 !== 0).length;
      if (header.tensors.at(-1)!.byteLength % 32 !== 0) lastUnpadded++;
    }
    if (spec.nVocab % 2 === 1) {
      // what makes these models worth having: tensors, the last one of a file among them, that end off a 32-byte boundary
      assert.ok(unpadded > 0, 'tensors need padding');
      if (spec.id === 'llama-odd-rows-f32') assert.ok(lastUnpadded > 0, 'a last tensor needs padding');
    }
  });
}

test('the MoE model exercises the layer-by-name rule: two ffn_down per MoE layer, not stored by layer', async () => {
  const spec = HARDENING_SPECS[2]!;
  const input = join(dir, 'moe-order.gguf');
  writeSyntheticModel(input, spec);
  const src = await openNodeFile(input);
  const header = await readGgufHeader(src).finally(() => src.close());
  const downs = header.tensors.filter((t) => t.name.includes('ffn_down')).map((t) => t.name);
  assert.deepEqual(downs, [
    'blk.3.ffn_down_exps.weight', 'blk.3.ffn_down_shexp.weight', 'blk.2.ffn_down_exps.weight', 'blk.2.ffn_down_shexp.weight',
    'blk.1.ffn_down_exps.weight', 'blk.1.ffn_down_shexp.weight', 'blk.0.ffn_down.weight',
  ]);
});

test('1, 2 and 3 workers write the same bytes, those of llama.cpp', async () => {
  const spec = HARDENING_SPECS[0]!;
  const input = join(dir, 'threads.gguf');
  writeSyntheticModel(input, spec);
  const ftypes = ['Q4_K_M', 'Q5_0', 'IQ4_NL'];
  const wasm = await loadWasmModuleFromDisk();
  for (const workers of [1, 2, 3]) {
    const pool = createNodePool(wasm, workers);
    const source = await openGgufModel(await openNodeFile(input));
    try {
      const requests = await Promise.all(ftypes.map(async (f) => ({ options: { ftype: f }, sink: await createNodeFileSink(join(dir, `threads-${workers}-${f}.gguf`)) })));
      // small slabs, so each worker gets many pieces of every tensor and the order of their answers varies
      await runJob(source, requests, pool, { slabBytes: 16 << 10 });
    } finally {
      await source.close();
      await pool.close();
    }
  }
  for (const f of ftypes) {
    const theirs = join(dir, `threads-llama-${f}.gguf`);
    assert.equal(oracleQuantizeFile(input, theirs, { ftype: FTYPES.find((x) => x.name === f)!.id }), 0);
    const expected = readFileSync(theirs);
    for (const workers of [1, 2, 3]) {
      const ours = readFileSync(join(dir, `threads-${workers}-${f}.gguf`));
      assert.ok(ours.equals(expected), `${workers} worker(s), ${f}: ${firstDifference(ours, expected)}`);
    }
  }
});

test('a general.alignment other than 32 is refused: llama.cpp copies the key but writes 32-byte aligned data', async () => {
  const input = join(dir, 'align64.gguf');
  writeSyntheticModel(input, { ...HARDENING_SPECS[0]!, id: 'align64', alignment: 64 });
  const src = await openNodeFile(input);
  const header = await readGgufHeader(src).finally(() => src.close());
  assert.equal(header.alignment, 64);
  assert.throws(() => planQuantization(header, { ftype: 'Q8_0' }), /general\.alignment is 64/);
  const theirs = join(dir, 'align64-llama.gguf');
  assert.equal(oracleQuantizeFile(input, theirs, { ftype: 7 }), 0);
  const out = await openNodeFile(theirs);
  // its header says 64, its tensors are placed for 32: our reader (as gguf.cpp's checks) refuses it
  await assert.rejects(readGgufHeader(out).finally(() => out.close()), /misaligned|gap|past the end/);
});
