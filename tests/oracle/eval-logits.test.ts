// The evaluator's forward pass against llama.cpp's (llama_decode + llama_get_logits_ith through koffi) on
// the same file in the same run: the trained model in F16 and in quantized types that round activations
// to each of ggml's vec_dot types (F16, Q8_0, Q8_1, Q8_K), and synthetic Llama models (F32, BF16, tied
// output, multi-query attention, a feed-forward size that is not a multiple of 256). BF16 activations
// (2^-8 steps) leave a larger noise floor than F16 ones, hence the synthetic bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { checkLogits as check } from '../helpers/logit-comparison.ts';
import { oracleTokenizeFile } from './perplexity.ts';

const dir = scratchDir('quantsmith-eval-logits-');
const N = 256;

const heldoutTokens = (() => {
  let cached: Int32Array | undefined;
  return () => {
    cached ??= oracleTokenizeFile(SHARED_F16_GGUF, join(SHARED_MODEL_DIR, 'heldout.txt'));
    const t = cached.slice(1000, 1000 + N);
    t[0] = 1; // BOS, as llama-perplexity feeds each chunk
    return t;
  };
})();

function quantize(type: string): string {
  const out = join(dir, `pydoc-${type}.gguf`);
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', SHARED_F16_GGUF, '-o', out, '-t', type], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test('trained model, F16: logits within 0.01 of llama.cpp', async () => {
  await check(SHARED_F16_GGUF, heldoutTokens(), { maxAbs: 0.01, rms: 0.001, nllDiff: 2e-4, sameTop: 0.99 });
});

// Quantized activations make both sides chaotic at the level of one Q8 step (a 1e-7 nudge of a norm weight
// moves our own logits by up to ~0.1), so the bound is on that noise floor, not on a systematic error.
for (const type of ['Q8_0', 'Q4_1', 'Q4_K_M', 'IQ4_XS', 'Q2_0', 'TQ2_0', 'Q1_0']) {
  test(`trained model, ${type}: logits agree with llama.cpp's at the noise floor of Q8 activations`, async () => {
    await check(quantize(type), heldoutTokens(), { maxAbs: 0.3, rms: 0.03, nllDiff: 0.015, sameTop: 0.97 });
  });
}

for (const id of ['llama-mha-f32', 'llama-tied-bf16', 'llama-ff704-f16', 'llama-gqa-8l-f16']) {
  test(`synthetic ${id}: logits agree with llama.cpp's`, async () => {
    const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === id)!;
    const path = join(dir, `${id}.gguf`);
    writeSyntheticModel(path, spec);
    const tokens = new Int32Array(64).map((_, i) => (i === 0 ? 1 : (i * 7919) % spec.nVocab));
    await check(path, tokens, { maxAbs: 0.02, rms: 0.002, nllDiff: 1e-3, sameTop: 0.97 });
  });
}
