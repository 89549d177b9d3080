// The picker's groups and the plan preview, on a synthetic Llama: what the page shows before a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planQuantization } from '../../web/src/core/quant/plan.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { previewPlan } from '../../web/src/app/plan/plan-preview.ts';
import { groupTypes, refusalText, YARDSTICK } from '../../web/src/app/presets/type-groups.ts';
import { alreadyQuantizedAs, planTypes } from '../../web/src/app/plan/type-plans.ts';
import { DEFAULT_PRESET, toQuantizeOptions, type Preset } from '../../web/src/app/presets/preset.ts';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import { planType } from '../../web/src/app/engine/engine.ts';
import { syntheticMetadata, syntheticTensors, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';

const spec: SyntheticModelSpec = { id: 'preview', arch: 'llama', dtype: 'f16', nLayer: 2, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 512, nVocab: 512, seed: 3 };
const model = { metadata: syntheticMetadata(spec), tensors: syntheticTensors(spec) };
const source = (m = model) => ({ ...m, sizeBytes: 1, format: 'gguf', name: 'x.gguf', tensors: m.tensors.map((t) => ({ ...t, byteLength: 0 })) }) as unknown as ModelSource;

test('pattern rows count the tensors they decide, and say why one decides none', () => {
  const preset: Preset = {
    ...DEFAULT_PRESET,
    tensorTypes: [
      { pattern: 'attn_v', type: 'q8_0' },
      { pattern: 'nothing_here', type: 'q8_0' },
      { pattern: 'blk\\.0\\.attn_v', type: 'f16' },
    ],
  };
  const plan = planQuantization(model, toQuantizeOptions(preset, 'Q4_K_M'));
  const preview = previewPlan(plan, preset);
  assert.deepEqual(preview.patterns.map((p) => [p.pattern, p.tensors]), [['attn_v', 2], ['nothing_here', 0], ['blk\\.0\\.attn_v', 0]]);
  assert.equal(preview.patterns[1].unused, 'no tensor name matches it');
  assert.match(preview.patterns[2].unused!, /earlier row/);
  assert.equal(preview.tensors.filter((t) => t.name.includes('attn_v')).every((t) => t.outputType === 'Q8_0'), true);
  const total = plan.tensors.reduce((a, t) => a + t.outputBytes, 0);
  assert.equal(preview.byType.reduce((a, s) => a + s.bytes, 0), total, 'the breakdown adds up to the tensor data');
  assert.equal(preview.byType.reduce((a, s) => a + s.tensors, 0), plan.tensors.length);

  const f16 = previewPlan(planQuantization(model, toQuantizeOptions(preset, 'F16')), preset);
  assert.match(f16.patterns[0].unused!, /F16 does not use --tensor-type/);
});

test('groups place each type by its planned size against Q4_K_M, ordered outwards from it', () => {
  const plans = planTypes(source(), DEFAULT_PRESET);
  const groups = groupTypes(plans);
  const size = (n: string) => { const p = plans.get(n)!; return p.ok ? p.size : NaN; };
  const smaller = groups.find((g) => g.title === `Smaller than ${YARDSTICK}`)!;
  const larger = groups.find((g) => g.title === `Larger than ${YARDSTICK}`)!;
  const sizes = (g: typeof smaller) => g.types.map((c) => size(c.ftype.name));
  assert.ok(sizes(smaller).every((s) => s <= size(YARDSTICK)));
  assert.ok(sizes(larger).every((s) => s > size(YARDSTICK)));
  assert.deepEqual(sizes(smaller), [...sizes(smaller)].sort((a, b) => b - a));
  assert.deepEqual(sizes(larger), [...sizes(larger)].sort((a, b) => a - b));
  const all = groups.flatMap((g) => g.types.map((c) => c.ftype.name));
  assert.equal(new Set(all).size, all.length, 'each type appears once');
  const refused = [...plans].filter(([, p]) => !p.ok).map(([name]) => name);
  assert.ok(refused.includes('Q2_K_S'), 'without an importance matrix Q2_K_S is refused');
  const needImatrix = groups.at(-1)!;
  assert.equal(needImatrix.title, 'Need an importance matrix', 'on this model every refusal is for want of an imatrix');
  assert.deepEqual(needImatrix.types.map((c) => c.ftype.name).sort(), refused.sort(), 'the refused types come last');
  assert.equal(refusalText((plans.get('Q2_K_S') as { reason: string }).reason), 'Needs an importance matrix: llama.cpp refuses blk.0.attn_k.weight as q2_K without one');
  assert.equal(refusalText('tensor x has 7 columns'), 'Not possible for this model: tensor x has 7 columns');
});

test('an already-quantized model: named once, types that convert need allow-requantize, its own type only copies', () => {
  const plan = planQuantization(model, toQuantizeOptions(DEFAULT_PRESET, 'Q4_K_M'));
  const quantized = {
    metadata: plan.metadata,
    tensors: plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.outputType })),
  };
  assert.equal(alreadyQuantizedAs(quantized), 'Q4_K_M');
  assert.equal(alreadyQuantizedAs(model), undefined);
  const plans = planTypes(source(quantized as typeof model), DEFAULT_PRESET, null, planType);
  const same = plans.get('Q4_K_M')!;
  assert.ok(same.ok && same.copiesOnly && !same.needsRequantize);
  const other = plans.get('Q8_0')!;
  assert.ok(other.ok && other.needsRequantize && !other.copiesOnly);
  const noFileType = { ...quantized, metadata: quantized.metadata.filter((kv) => kv.key !== 'general.file_type') };
  const firstQuantized = quantized.tensors.find((t) => t.type !== GgmlType.F32)!;
  assert.match(alreadyQuantizedAs(noFileType)!, firstQuantized.type === GgmlType.Q4_K ? /^Q4_K$/ : /^Q6_K$/, 'without general.file_type, the tensors say it');
});
