// The plan against llama.cpp's quantizer on the trained pydoc-llama-5m model: every ftype Quantsmith
// offers, and the refusal of Q2_K_S (it needs an importance matrix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { assertBothRefuse, assertPlanMatchesOracle, readHeader } from './plan-support.ts';

const dir = scratchDir('quantsmith-plan-shared-');
const input = await readHeader(SHARED_F16_GGUF);

for (const ftype of FTYPES.filter((f) => !f.needsImatrix)) {
  test(`pydoc-llama-5m ${ftype.name}: plan matches llama.cpp's file header`, async () => {
    const plan = await assertPlanMatchesOracle(SHARED_F16_GGUF, input, { ftype: ftype.name }, dir, `pydoc-${ftype.name}`);
    assert.equal(plan.fallbackCount, 0);
  });
}

test('pydoc-llama-5m Q4_K_M: the mixture gives attn_v and ffn_down of layers 2 and 3 Q6_K, output Q6_K', async () => {
  const plan = await assertPlanMatchesOracle(SHARED_F16_GGUF, input, { ftype: 'Q4_K_M' }, dir, 'pydoc-Q4_K_M-mix');
  const q6 = plan.tensors.filter((t) => t.outputType === GgmlType.Q6_K).map((t) => t.name);
  assert.deepEqual(q6, ['output.weight', 'blk.2.attn_v.weight', 'blk.2.ffn_down.weight', 'blk.3.attn_v.weight', 'blk.3.ffn_down.weight']);
  const norms = plan.tensors.filter((t) => t.name.endsWith('_norm.weight'));
  assert.ok(norms.every((t) => t.outputType === GgmlType.F32 && !t.convert));
});

test('pydoc-llama-5m: Q2_K_S and the IQ1/IQ2/IQ3_XXS/IQ3_XS types are refused for want of an importance matrix, as llama.cpp refuses them', () => {
  for (const f of FTYPES.filter((x) => x.needsImatrix)) {
    assertBothRefuse(SHARED_F16_GGUF, input, { ftype: f.name }, dir, `pydoc-${f.name}`, /requires an importance matrix \(--imatrix\): tensor blk\.0\.\w+\.weight would be/);
  }
});
