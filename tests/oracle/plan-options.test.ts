// The plan against llama.cpp's quantizer for each llama-quantize option: output / token-embedding types,
// --leave-output-tensor, --pure, --tensor-type overrides, --override-kv of each kind (including ones that
// change the hyperparameters the mixture reads), and --allow-requantize on an already-quantized file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GgufValueType } from '../../web/src/core/formats/gguf/model.ts';
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { planQuantization } from '../../web/src/core/quant/plan.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile } from './llama-cpp.ts';
import { assertBothRefuse, assertPlanMatchesOracle, readHeader, toOracleOptions } from './plan-support.ts';

const dir = scratchDir('quantsmith-plan-options-');
const pydoc = await readHeader(SHARED_F16_GGUF);

function synthetic(id: string): string {
  const path = join(dir, `${id}.gguf`);
  writeSyntheticModel(path, STANDARD_SYNTHETIC_SPECS.find((s) => s.id === id)!);
  return path;
}
const tiedPath = synthetic('llama-tied-bf16');
const tied = await readHeader(tiedPath);
const ff704Path = synthetic('llama-ff704-f16');
const ff704 = await readHeader(ff704Path);
const moePath = synthetic('llama-moe-f16');
const moe = await readHeader(moePath);

const typeOf = (plan: { tensors: { name: string; outputType: number }[] }, name: string): number =>
  plan.tensors.find((t) => t.name === name)!.outputType;

const pydocCases: [string, QuantizeOptions][] = [
  ['output type q8_0', { ftype: 'Q4_K_M', outputTensorType: 'q8_0' }],
  ['output type f16 on Q3_K_S', { ftype: 'Q3_K_S', outputTensorType: 'f16' }],
  ['output type q4_0 on an F16 file', { ftype: 'F16', outputTensorType: 'q4_0' }],
  ['token embedding type q6_K', { ftype: 'Q4_K_M', tokenEmbeddingType: 'q6_K' }],
  ['token embedding type f32 on Q8_0', { ftype: 'Q8_0', tokenEmbeddingType: 'f32' }],
  ['both explicit types', { ftype: 'Q5_K_S', outputTensorType: 'Q5_K', tokenEmbeddingType: 'iq4_nl' }],
  ['leave output tensor', { ftype: 'Q4_K_M', leaveOutputTensor: true }],
  ['leave output tensor with an output type', { ftype: 'Q4_0', leaveOutputTensor: true, outputTensorType: 'q8_0' }],
  ['pure Q4_K_M', { ftype: 'Q4_K_M', pure: true }],
  ['pure Q3_K_L', { ftype: 'Q3_K_L', pure: true }],
  ['pure Q4_0 with an output type', { ftype: 'Q4_0', pure: true, outputTensorType: 'q4_0' }],
  ['tensor types attn_v / ffn_down', { ftype: 'Q4_K_M', tensorTypes: [{ pattern: 'attn_v', type: 'q8_0' }, { pattern: 'ffn_down', type: 'q5_K' }] }],
  ['tensor types: the first matching pattern wins', {
    ftype: 'Q3_K_M',
    tensorTypes: [{ pattern: 'blk\\.[01]\\.ffn_(up|gate)', type: 'q6_K' }, { pattern: 'ffn_', type: 'q4_1' }, { pattern: '^token_embd', type: 'q8_0' }],
  }],
  ['tensor type on output.weight and f16 on attn_q', { ftype: 'Q5_K_M', tensorTypes: [{ pattern: 'output', type: 'q4_K' }, { pattern: 'attn_q', type: 'f16' }] }],
  ['tensor types with pure', { ftype: 'Q6_K', pure: true, tensorTypes: [{ pattern: 'attn_k', type: 'q4_0' }] }],
  ['tensor types on an F16 file are ignored', { ftype: 'F16', tensorTypes: [{ pattern: 'attn', type: 'q8_0' }] }],
  ['tensor type vs token embedding type', { ftype: 'Q4_K_S', tokenEmbeddingType: 'q5_0', tensorTypes: [{ pattern: 'token_embd', type: 'q8_0' }] }],
  ['kv overrides of each kind', {
    ftype: 'Q8_0',
    kvOverrides: [
      { key: 'general.name', type: 'str', value: 'Renamed by override ✓' },
      { key: 'quantsmith.note', type: 'str', value: '' },
      { key: 'llama.rope.freq_base', type: 'float', value: 500000.5 },
      { key: 'test.float', type: 'float', value: -0.1 },
      { key: 'tokenizer.ggml.add_bos_token', type: 'bool', value: false },
      { key: 'test.flag', type: 'bool', value: true },
      { key: 'llama.context_length', type: 'int', value: 4096 },
      { key: 'test.negative', type: 'int', value: -7n },
      { key: 'test.wide', type: 'int', value: 2n ** 33n + 5n },
      { key: 'general.file_type', type: 'int', value: 3 },
      { key: 'test.flag', type: 'str', value: 'set twice: the last one wins' },
    ],
  }],
  ['kv override changes block_count: the mixture sees 8 layers', { ftype: 'Q4_K_M', kvOverrides: [{ key: 'llama.block_count', type: 'int', value: 8 }] }],
  ['kv override changes head_count_kv: GQA 8 bumps attn_v', { ftype: 'Q2_K', kvOverrides: [{ key: 'llama.attention.head_count_kv', type: 'int', value: 1 }] }],
  ['two block_count overrides: the loader takes the first, the file the last', {
    ftype: 'Q4_K_M',
    kvOverrides: [{ key: 'llama.block_count', type: 'int', value: 8 }, { key: 'llama.block_count', type: 'int', value: 4 }],
  }],
  ['kv override of block_count with the wrong type is ignored by the loader', { ftype: 'Q4_K_M', kvOverrides: [{ key: 'llama.block_count', type: 'float', value: 16 }] }],
];

for (const [label, options] of pydocCases) {
  test(`pydoc-llama-5m, ${label}: plan matches llama.cpp's file header`, async () => {
    await assertPlanMatchesOracle(SHARED_F16_GGUF, pydoc, options, dir, `pydoc ${label}`);
  });
}

test('explicit output / token-embedding types apply as asked', () => {
  const plan = planQuantization(pydoc, { ftype: 'Q4_K_M', outputTensorType: 'q8_0', tokenEmbeddingType: 'q6_K' });
  assert.equal(typeOf(plan, 'output.weight'), GgmlType.Q8_0);
  assert.equal(typeOf(plan, 'token_embd.weight'), GgmlType.Q6_K);
  const left = planQuantization(pydoc, { ftype: 'Q4_K_M', leaveOutputTensor: true });
  assert.equal(typeOf(left, 'output.weight'), GgmlType.F16);
  assert.equal(left.tensors.find((t) => t.name === 'output.weight')!.convert, false);
});

test('int overrides are written as u32 of the absolute value, floats as f32', () => {
  const plan = planQuantization(pydoc, {
    ftype: 'Q8_0',
    kvOverrides: [{ key: 'a', type: 'int', value: -7 }, { key: 'b', type: 'float', value: 0.1 }],
  });
  assert.deepEqual(plan.metadata.slice(-2), [
    { key: 'a', type: GgufValueType.UINT32, value: 7 },
    { key: 'b', type: GgufValueType.FLOAT32, value: Math.fround(0.1) },
  ]);
});

const tiedCases: [string, QuantizeOptions][] = [
  ['output type reaches the tied token_embd', { ftype: 'Q4_K_M', outputTensorType: 'q5_0' }],
  ['token embedding type beats the output type', { ftype: 'Q4_K_M', outputTensorType: 'q5_0', tokenEmbeddingType: 'q8_0' }],
  ['leave output tensor has nothing to leave', { ftype: 'Q3_K_M', leaveOutputTensor: true }],
  ['pure on a tied model', { ftype: 'Q5_K_M', pure: true }],
];
for (const [label, options] of tiedCases) {
  test(`llama-tied-bf16, ${label}: plan matches llama.cpp's file header`, async () => {
    const plan = await assertPlanMatchesOracle(tiedPath, tied, options, dir, `tied ${label}`);
    if (options.outputTensorType && !options.tokenEmbeddingType) assert.equal(typeOf(plan, 'token_embd.weight'), GgmlType.Q5_0);
  });
}

const fallbackCases: [string, QuantizeOptions][] = [
  ['a 256-block override on 704-long rows falls back', { ftype: 'Q8_0', tensorTypes: [{ pattern: 'ffn_down', type: 'q4_K' }] }],
  ['a 32-block override on 704-long rows does not', { ftype: 'Q4_K_M', tensorTypes: [{ pattern: 'ffn_down', type: 'iq4_nl' }] }],
  ['pure Q6_K falls back to q8_0', { ftype: 'Q6_K', pure: true }],
];
for (const [label, options] of fallbackCases) {
  test(`llama-ff704-f16, ${label}: plan matches llama.cpp's file header`, async () => {
    await assertPlanMatchesOracle(ff704Path, ff704, options, dir, `ff704 ${label}`);
  });
}

const moeCases: [string, QuantizeOptions][] = [
  ['expert tensors overridden', { ftype: 'Q4_K_M', tensorTypes: [{ pattern: 'ffn_.*_exps', type: 'q8_0' }] }],
  ['expert_count overridden to 8 (the 8-expert bumps)', { ftype: 'Q3_K_M', kvOverrides: [{ key: 'llama.expert_count', type: 'int', value: 8 }] }],
];
for (const [label, options] of moeCases) {
  test(`llama-moe-f16, ${label}: plan matches llama.cpp's file header`, async () => {
    await assertPlanMatchesOracle(moePath, moe, options, dir, `moe ${label}`);
  });
}

test('allow-requantize: an already-quantized (Q8_0) file is requantized only when allowed', async () => {
  const q8Path = join(dir, 'pydoc-Q8_0-input.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, q8Path, toOracleOptions({ ftype: 'Q8_0' })), 0);
  const q8 = await readHeader(q8Path);

  const requant = await assertPlanMatchesOracle(q8Path, q8, { ftype: 'Q4_K_M', allowRequantize: true }, dir, 'requant Q8_0 to Q4_K_M');
  assert.ok(requant.tensors.some((t) => t.sourceType === GgmlType.Q8_0 && t.convert));
  await assertPlanMatchesOracle(q8Path, q8, { ftype: 'F16', allowRequantize: true }, dir, 'requant Q8_0 to F16');
  await assertPlanMatchesOracle(q8Path, q8, { ftype: 'Q6_K', allowRequantize: true, leaveOutputTensor: true, tokenEmbeddingType: 'q8_0' }, dir, 'requant Q8_0 to Q6_K, some copied');
  // Q8_0 to Q8_0 converts nothing, so llama.cpp needs no permission: every tensor is copied
  const same = await assertPlanMatchesOracle(q8Path, q8, { ftype: 'Q8_0' }, dir, 'Q8_0 to Q8_0 copies');
  assert.equal(same.convertCount, 0);

  assertBothRefuse(q8Path, q8, { ftype: 'Q4_K_M' }, dir, 'requant without permission', /requantizing from type q8_0 is disabled/);
  assertBothRefuse(q8Path, q8, { ftype: 'F16' }, dir, 'dequant without permission', /requantizing from type q8_0 is disabled/);
});

test('refusals: importance-matrix types, as llama.cpp refuses them', () => {
  assertBothRefuse(SHARED_F16_GGUF, pydoc, { ftype: 'Q2_K_S' }, dir, 'Q2_K_S', /importance matrix/);
  assertBothRefuse(SHARED_F16_GGUF, pydoc, { ftype: 'Q4_K_M', tensorTypes: [{ pattern: 'ffn_up', type: 'iq2_xxs' }] }, dir, 'override to iq2_xxs', /importance matrix/);
  assertBothRefuse(SHARED_F16_GGUF, pydoc, { ftype: 'Q2_K', tensorTypes: [{ pattern: 'attn_q', type: 'iq1_s' }] }, dir, 'override to iq1_s', /importance matrix/);
});

test('Q2_K_S is accepted when no tensor ends up q2_K, as llama.cpp accepts it', async () => {
  // every quantizable tensor other than token_embd/output overridden away from q2_K
  await assertPlanMatchesOracle(SHARED_F16_GGUF, pydoc, { ftype: 'Q2_K_S', tensorTypes: [{ pattern: 'blk', type: 'q3_K' }] }, dir, 'Q2_K_S all overridden');
});

test('tensor type patterns: std::regex and our RegExp pick the same tensors', async () => {
  const patterns = [
    '\\_', '\\.', 'blk\\.[13]\\.', '[\\d]+\\.ffn', '^output', 'weight$', '(?=attn_v)', '(?!blk)...', 'a+?', '(?:up|gate)',
    '[^a-z.0-9_]', 'blk\\.\\d{1}\\.attn_[qk]', 'ffn_(down|up){1,2}', '}', '\\k', '[{]', '.*',
  ];
  for (const pattern of patterns) {
    await assertPlanMatchesOracle(SHARED_F16_GGUF, pydoc, { ftype: 'Q4_0', tensorTypes: [{ pattern, type: 'q8_0' }] }, dir, `pattern ${pattern}`);
  }
});

test('tensor type patterns std::regex refuses are refused', () => {
  for (const pattern of ['(?<=blk)', '(?<n>attn)', 'attn_(q', '\\p{L}', 'x{', 'a{2', '\\1', '[a-']) {
    assertBothRefuse(SHARED_F16_GGUF, pydoc, { ftype: 'Q4_0', tensorTypes: [{ pattern, type: 'q8_0' }] }, dir, `bad pattern ${pattern}`, /invalid tensor type pattern/);
  }
  // where std::regex reads a pattern differently, the plan refuses rather than guess
  assert.throws(() => planQuantization(pydoc, { ftype: 'Q4_0', tensorTypes: [{ pattern: '[[:alpha:]]+_q', type: 'q8_0' }] }), /POSIX bracket expressions/);
});
