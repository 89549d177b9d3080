// The plan against llama.cpp's quantizer on every synthetic model (GQA/MHA/MQA, tied embeddings, a row
// length that forces fallbacks, MoE, qwen2, phi3's fused tensors; F32/F16/BF16 sources), for every ftype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';
import { assertPlanMatchesOracle, readHeader, testEveryFtype } from './plan-support.ts';

const dir = scratchDir('quantsmith-plan-synthetic-');

for (const spec of STANDARD_SYNTHETIC_SPECS) {
  testEveryFtype(spec, dir, `synthetic ${spec.id}: every ftype's plan matches llama.cpp's file header`);
}

test('synthetic llama-ff704: rows of 704 make k-quants fall back, and the plan counts them', async () => {
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-ff704-f16')!;
  const input = join(dir, 'ff704-count.gguf');
  writeSyntheticModel(input, spec);
  const plan = await assertPlanMatchesOracle(input, await readHeader(input), { ftype: 'Q4_K_M' }, dir, 'ff704-count');
  // ffn_down rows are 704 long: q4_K/q6_K (256-blocks) fall back to q5_0/q8_0, once per layer
  assert.equal(plan.fallbackCount, spec.nLayer);
});
