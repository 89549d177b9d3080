// The plan against llama.cpp's quantizer on every synthetic model (GQA/MHA/MQA, tied embeddings, a row
// length that forces fallbacks, MoE, qwen2, phi3's fused tensors; F32/F16/BF16 sources), for every ftype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';
import { assertPlanMatchesOracle, readHeader, SLOW_IQ3_FTYPES, testEveryFtype } from './plan-support.ts';

const dir = scratchDir('quantsmith-plan-synthetic-');

/** these add nothing to the IQ3 rules (GQA 2 and 4, experts and tied embeddings are covered by the others) */
const WITHOUT_IQ3 = new Set(['llama-mha-f32', 'qwen2-f16', 'phi3-bf16', 'llama-12l-bf16']);

for (const spec of STANDARD_SYNTHETIC_SPECS) {
  testEveryFtype(spec, dir, `synthetic ${spec.id}: every ftype's plan matches llama.cpp's file header`, WITHOUT_IQ3.has(spec.id) ? SLOW_IQ3_FTYPES : []);
}

test('synthetic llama-ff704: rows of 704 make k-quants fall back, and the plan counts them', async () => {
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-ff704-f16')!;
  const input = join(dir, 'ff704-count.gguf');
  writeSyntheticModel(input, spec);
  const plan = await assertPlanMatchesOracle(input, await readHeader(input), { ftype: 'Q4_K_M' }, dir, 'ff704-count');
  // ffn_down rows are 704 long: q4_K/q6_K (256-blocks) fall back to q5_0/q8_0, once per layer
  assert.equal(plan.fallbackCount, spec.nLayer);
});
