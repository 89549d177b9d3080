// The plan against llama.cpp's quantizer on models shaped to reach rarer rules: an 80-layer llama and
// qwen2 (llama.cpp's "70B" attn_v bump), rows of 32 (every k-quant falls back) and of 48 (even 32-blocks
// do not fit: F16), multi-query attention (GQA 4 and more).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import type { QuantPlan } from '../../web/src/core/quant/plan.ts';
import { writeSyntheticModel, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';
import { assertPlanMatchesOracle, assertSameDecision, readHeader } from './plan-support.ts';

const dir = scratchDir('quantsmith-plan-shapes-');

const SPECS: readonly SyntheticModelSpec[] = [
  { id: 'llama-80l-gqa4', arch: 'llama', dtype: 'f16', nLayer: 80, nEmbd: 32, nHead: 4, nHeadKv: 1, nFf: 32, nVocab: 64, seed: 11 },
  { id: 'llama-80l-mha', arch: 'llama', dtype: 'f16', nLayer: 80, nEmbd: 32, nHead: 4, nHeadKv: 4, nFf: 32, nVocab: 64, seed: 12 },
  { id: 'qwen2-80l', arch: 'qwen2', dtype: 'f16', nLayer: 80, nEmbd: 32, nHead: 4, nHeadKv: 2, nFf: 32, nVocab: 64, seed: 13 },
  { id: 'llama-rows48', arch: 'llama', dtype: 'f32', nLayer: 3, nEmbd: 48, nHead: 4, nHeadKv: 4, nFf: 96, nVocab: 64, seed: 14 },
  { id: 'llama-mqa-512', arch: 'llama', dtype: 'f16', nLayer: 16, nEmbd: 512, nHead: 8, nHeadKv: 1, nFf: 256, nVocab: 256, tiedEmbeddings: true, seed: 15 },
];

for (const spec of SPECS) {
  test(`${spec.id}: every ftype's plan matches llama.cpp's file header`, async (t) => {
    const input = join(dir, `${spec.id}.gguf`);
    writeSyntheticModel(input, spec);
    const header = await readHeader(input);
    for (const ftype of FTYPES) {
      await t.test(ftype.name, async () => {
        const label = `${spec.id}-${ftype.name}`;
        if (ftype.needsImatrix) await assertSameDecision(input, header, { ftype: ftype.name }, dir, label);
        else await assertPlanMatchesOracle(input, header, { ftype: ftype.name }, dir, label);
      });
    }
  });
}

test('the 70B bump: attn_v of an 80-layer GQA llama gets q5_K where a plain model gets q4_K (then falls back)', async () => {
  const [gqa, mha] = SPECS;
  const plans: QuantPlan[] = [];
  for (const spec of [gqa, mha]) {
    const input = join(dir, `${spec.id}-bump.gguf`);
    writeSyntheticModel(input, spec);
    plans.push(await assertPlanMatchesOracle(input, await readHeader(input), { ftype: 'Q3_K_M' }, dir, `${spec.id}-bump`));
  }
  const attnV = (i: number) => plans[i].tensors.find((t) => t.name === 'blk.40.attn_v.weight')!.outputType;
  // rows of 32: q5_K falls back to q5_1, q4_K to q5_0
  assert.equal(attnV(0), GgmlType.Q5_1);
  assert.equal(attnV(1), GgmlType.Q5_0);
});

test('rows of 48: types fall back to F16, and the plan counts every fallback', async () => {
  const spec = SPECS[3];
  const input = join(dir, 'rows48-count.gguf');
  writeSyntheticModel(input, spec);
  const plan = await assertPlanMatchesOracle(input, await readHeader(input), { ftype: 'Q4_0' }, dir, 'rows48-count');
  const q = plan.tensors.filter((t) => t.shape.length > 1);
  // ffn_down rows are 96 long (a multiple of 32); all other 2-D weights have rows of 48
  for (const t of q) assert.equal(t.outputType, t.name.includes('ffn_down') ? GgmlType.Q4_0 : GgmlType.F16, t.name);
  assert.equal(plan.fallbackCount, q.filter((t) => !t.name.includes('ffn_down')).length);
});
