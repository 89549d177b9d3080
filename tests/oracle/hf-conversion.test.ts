// A Hugging Face folder asked for a float type is a plain conversion: the converter's file, not a quantizer
// pass. Checked against llama.cpp: the shipped F16 GGUF is convert_hf_to_gguf.py's output for the shipped folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { runJob } from '../../web/src/core/engine/run-job.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { testPool } from '../helpers/engine.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const dir = scratchDir();
oracleQuietLogs();

async function fromFolder(outputs: { ftype: string; path: string }[]) {
  const source = await openHfModel(await openNodeFolder(SHARED_MODEL_DIR));
  try {
    const requests = await Promise.all(outputs.map(async (o) => ({ options: { ftype: o.ftype }, sink: await createNodeFileSink(o.path) })));
    return await runJob(source, requests, await testPool());
  } finally {
    await source.close();
  }
}

test('one job from the folder: F16 is the converter file byte for byte, Q4_K_M and Q8_0 are llama.cpp quantizing it', async () => {
  const f16 = join(dir, 'f16.gguf');
  const q4 = join(dir, 'q4km.gguf');
  const q8 = join(dir, 'q8.gguf');
  await fromFolder([{ ftype: 'Q4_K_M', path: q4 }, { ftype: 'F16', path: f16 }, { ftype: 'Q8_0', path: q8 }]);
  assert.ok(readFileSync(f16).equals(readFileSync(SHARED_F16_GGUF)), 'F16 conversion differs from the converter output');
  for (const [path, ftype] of [[q4, 15], [q8, 7]] as const) {
    const theirs = join(dir, `llama-${ftype}.gguf`);
    assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, theirs, { ftype }), 0);
    assert.ok(readFileSync(path).equals(readFileSync(theirs)), `${path} differs from llama.cpp`);
  }
});

test('F32 and BF16 conversions hold the same values as the converter file: llama.cpp makes identical files of them', async () => {
  const f32 = join(dir, 'conv-f32.gguf');
  const bf16 = join(dir, 'conv-bf16.gguf');
  await fromFolder([{ ftype: 'F32', path: f32 }, { ftype: 'BF16', path: bf16 }]);
  // F16 → F32 is exact, so quantizing our F32 file to F16 must give llama.cpp's F16 file of the converter output
  const a = join(dir, 'a.gguf');
  const b = join(dir, 'b.gguf');
  assert.equal(oracleQuantizeFile(f32, a, { ftype: 1 }), 0);
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, b, { ftype: 1 }), 0);
  assert.ok(readFileSync(a).equals(readFileSync(b)), 'F32 conversion holds other values');
  // F16 → BF16 rounds as ggml rounds: llama.cpp's BF16 file of the converter output equals its copy of ours
  const c = join(dir, 'c.gguf');
  const d = join(dir, 'd.gguf');
  assert.equal(oracleQuantizeFile(bf16, c, { ftype: 32 }), 0);
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, d, { ftype: 32 }), 0);
  assert.ok(readFileSync(c).equals(readFileSync(d)), 'BF16 conversion rounds differently');
});
