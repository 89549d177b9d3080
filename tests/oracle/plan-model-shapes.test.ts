// The plan against llama.cpp's quantizer on models shaped to reach rarer rules: an 80-layer llama and
// qwen2 (llama.cpp's "70B" attn_v bump), rows of 32 (every k-quant falls back) and of 48 (even 32-blocks
// do not fit: F16), multi-query attention (GQA 4 and more), Falcon's own rules, the architecture check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { GgmlType, ggmlType } from '../../web/src/core/quant/ggml-types.ts';
import type { QuantPlan } from '../../web/src/core/quant/plan.ts';
import { writeSyntheticModel, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';
import { assertBothRefuse, assertPlanMatchesOracle, assertSameDecision, readHeader, SLOW_IQ3_FTYPES, testEveryFtype } from './plan-support.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import type { GgufTensorSpec } from '../../web/src/core/formats/gguf/writer.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';

const dir = scratchDir('quantsmith-plan-shapes-');

const SPECS: readonly SyntheticModelSpec[] = [
  { id: 'llama-80l-gqa4', arch: 'llama', dtype: 'f16', nLayer: 80, nEmbd: 32, nHead: 4, nHeadKv: 1, nFf: 32, nVocab: 64, seed: 11 },
  { id: 'llama-80l-mha', arch: 'llama', dtype: 'f16', nLayer: 80, nEmbd: 32, nHead: 4, nHeadKv: 4, nFf: 32, nVocab: 64, seed: 12 },
  { id: 'qwen2-80l', arch: 'qwen2', dtype: 'f16', nLayer: 80, nEmbd: 32, nHead: 4, nHeadKv: 2, nFf: 32, nVocab: 64, seed: 13 },
  { id: 'llama-rows48', arch: 'llama', dtype: 'f32', nLayer: 3, nEmbd: 48, nHead: 4, nHeadKv: 4, nFf: 96, nVocab: 64, seed: 14 },
  { id: 'llama-mqa-512', arch: 'llama', dtype: 'f16', nLayer: 16, nEmbd: 512, nHead: 8, nHeadKv: 1, nFf: 256, nVocab: 256, tiedEmbeddings: true, seed: 15 },
];

for (const spec of SPECS) {
  // the 80-layer MHA and qwen2 models only repeat the IQ3 rules the GQA-4 one checks
  const skip = spec.id === 'llama-80l-mha' || spec.id === 'qwen2-80l' ? SLOW_IQ3_FTYPES : [];
  testEveryFtype(spec, dir, `${spec.id}: every ftype's plan matches llama.cpp's file header`, skip);
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

/** A small Falcon-architecture file (fused QKV, no gate), zero weights: llama.cpp's Falcon rules differ. */
function writeFalcon(path: string): void {
  const nEmbd = 256, nFf = 512, nVocab = 320, nLayer = 8;
  const u32 = (key: string, value: number): GgufKV => ({ key, type: V.UINT32, value });
  const metadata: GgufKV[] = [
    { key: 'general.architecture', type: V.STRING, value: 'falcon' },
    u32('falcon.context_length', 2048), u32('falcon.embedding_length', nEmbd), u32('falcon.block_count', nLayer),
    u32('falcon.feed_forward_length', nFf), u32('falcon.attention.head_count', 8), u32('falcon.attention.head_count_kv', 1),
    { key: 'falcon.attention.layer_norm_epsilon', type: V.FLOAT32, value: Math.fround(1e-5) },
    u32('general.file_type', 1),
  ];
  const f16 = (name: string, shape: number[]): GgufTensorSpec => ({ name, shape, type: GgmlType.F16 });
  const f32 = (name: string, n: number): GgufTensorSpec => ({ name, shape: [n], type: GgmlType.F32 });
  const tensors = [f16('token_embd.weight', [nEmbd, nVocab])];
  for (let i = 0; i < nLayer; i++) {
    tensors.push(
      f32(`blk.${i}.attn_norm.weight`, nEmbd), f32(`blk.${i}.attn_norm.bias`, nEmbd),
      f16(`blk.${i}.attn_qkv.weight`, [nEmbd, nEmbd + 2 * 32]), f16(`blk.${i}.attn_output.weight`, [nEmbd, nEmbd]),
      f16(`blk.${i}.ffn_up.weight`, [nEmbd, nFf]), f16(`blk.${i}.ffn_down.weight`, [nFf, nEmbd]),
    );
  }
  tensors.push(f32('output_norm.weight', nEmbd), f32('output_norm.bias', nEmbd), f16('output.weight', [nEmbd, nVocab]));
  writeGgufFile(path, { metadata, tensors });
}

test('falcon: every ftype\'s plan matches llama.cpp\'s file header (Falcon-specific rules)', async (t) => {
  const input = join(dir, 'falcon.gguf');
  writeFalcon(input);
  const header = await readHeader(input);
  for (const ftype of FTYPES) {
    await t.test(ftype.name, async () => {
      const accepted = await assertSameDecision(input, header, { ftype: ftype.name }, dir, `falcon-${ftype.name}`);
      assert.ok(accepted || ftype.needsImatrix || ggmlType(ftype.defaultType)!.blockSize > 32, `falcon-${ftype.name}: refused`);
    });
  }
});

test('the architecture comes from general.architecture, overrides included: unknown ones are refused', async () => {
  const input = join(dir, 'arch-override.gguf');
  writeSyntheticModel(input, SPECS[3]);
  const header = await readHeader(input);
  const refused = (value: string) => ({ ftype: 'Q8_0', kvOverrides: [{ key: 'general.architecture', type: 'str' as const, value }] });
  assertBothRefuse(input, header, refused('not-an-arch'), dir, 'unknown arch', /unknown model architecture: 'not-an-arch'/);
  // a known architecture whose keys the file lacks
  assertBothRefuse(input, header, refused('qwen2'), dir, 'arch without its keys', /key not found in model: qwen2.context_length$/);
});
