// The plan's rules on hand-made tensor lists: llama.cpp's tensor order and name quirks, which tensors are
// never quantized, the shape fallback table, the output metadata edits, the plan's own fields, and the
// refusals that need no llama.cpp run (or that llama.cpp would meet with a crash rather than an error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { GgmlType, ggmlType } from '../../web/src/core/quant/ggml-types.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { FTYPES } from '../../web/src/core/quant/ftypes.ts';
import { planQuantization, type PlanInputTensor } from '../../web/src/core/quant/plan.ts';
import { shapeFallback } from '../../web/src/core/quant/shape-fallback.ts';
import { scanLayerNumber, sortLikeLlamaLoader } from '../../web/src/core/quant/tensor-order.ts';
import { allowsQuantization, tensorCategory } from '../../web/src/core/quant/tensor-roles.ts';

const u32 = (key: string, value: number): GgufKV => ({ key, type: V.UINT32, value });

function llamaMetadata(nLayer: number, extra: GgufKV[] = []): GgufKV[] {
  return [
    { key: 'general.architecture', type: V.STRING, value: 'llama' },
    u32('llama.block_count', nLayer),
    u32('llama.attention.head_count', 4),
    u32('llama.attention.head_count_kv', 4),
    // the keys llama.cpp's loader requires of a llama model (required-keys.ts)
    u32('llama.context_length', 2048),
    u32('llama.embedding_length', 256),
    { key: 'llama.attention.layer_norm_rms_epsilon', type: V.FLOAT32, value: Math.fround(1e-5) },
    u32('general.file_type', 1),
    u32('general.quantization_version', 2),
    ...extra,
  ];
}

const w = (name: string, shape: number[], type: number = GgmlType.F16): PlanInputTensor => ({ name, shape, type });

function model(nLayer: number, tensors: PlanInputTensor[], extra: GgufKV[] = []) {
  return { metadata: llamaMetadata(nLayer, extra), tensors };
}

const refuses = (m: ReturnType<typeof model>, o: QuantizeOptions, message: RegExp) =>
  assert.throws(() => planQuantization(m, o), (e: Error) => e instanceof QuantsmithError && message.test(e.message), message.source);

test('scanLayerNumber reads "blk.%d." as sscanf does', () => {
  assert.equal(scanLayerNumber('blk.0.attn_q.weight'), 0);
  assert.equal(scanLayerNumber('blk.17.ffn_up.weight'), 17);
  assert.equal(scanLayerNumber('blk.5'), 5); // the missing '.' does not undo the stored number
  assert.equal(scanLayerNumber('blk. 3.x'), 3);
  assert.equal(scanLayerNumber('blk.-2.x'), -2);
  assert.equal(scanLayerNumber('blk.x.y'), undefined);
  assert.equal(scanLayerNumber('output.weight'), undefined);
  assert.equal(scanLayerNumber('v.blk.0.attn_q.weight'), undefined);
});

test('tensor order: non-layer tensors first by name bytes, then by layer number, then name', () => {
  const names = [
    'blk.10.attn_q.weight', 'token_embd.weight', 'blk.9.ffn_up.weight', 'blk.9.attn_norm.weight', 'output_norm.weight',
    'output.weight', 'blk.2.ffn_down.weight', 'Z.weight', 'blk.x.weight', 'é.weight',
  ];
  assert.deepEqual(sortLikeLlamaLoader(names.map((name) => ({ name }))).map((t) => t.name), [
    'Z.weight', 'blk.x.weight', 'output.weight', 'output_norm.weight', 'token_embd.weight', 'é.weight',
    'blk.2.ffn_down.weight', 'blk.9.attn_norm.weight', 'blk.9.ffn_up.weight', 'blk.10.attn_q.weight',
  ]);
});

test('never quantized: 1-D (also [n, 1]), norms, routers, position embeddings, names not ending in weight', () => {
  assert.equal(allowsQuantization('blk.0.attn_q.weight', [256, 256], true), true);
  assert.equal(allowsQuantization('blk.0.ffn_down_exps.weight', [256, 256, 8], true), true);
  assert.equal(allowsQuantization('blk.0.attn_q.weight', [256, 1], true), false);
  assert.equal(allowsQuantization('blk.0.attn_q.weight', [256, 1, 1, 1], true), false);
  assert.equal(allowsQuantization('blk.0.attn_norm.weight', [256, 256], true), false);
  assert.equal(allowsQuantization('blk.0.ffn_gate_inp.weight', [256, 8], true), false);
  assert.equal(allowsQuantization('position_embd.weight', [256, 256], true), false);
  assert.equal(allowsQuantization('token_types.weight', [256, 2], true), false);
  assert.equal(allowsQuantization('v.position_embd.weight', [256, 256], true), false);
  assert.equal(allowsQuantization('blk.0.attn_q.bias', [256, 256], true), false);
  assert.equal(allowsQuantization('output.weight', [256, 256], true), true);
  assert.equal(allowsQuantization('output.weight', [256, 256], false), false);
  // llama.cpp's unsigned "ends with weight" test lets any 5-character name through
  assert.equal(allowsQuantization('abcde', [256, 256], true), true);
  assert.equal(allowsQuantization('abcd', [256, 256], true), false);
});

test('categories follow llama.cpp\'s substring order', () => {
  assert.equal(tensorCategory('blk.0.attn_qkv.weight'), 'attn_qkv');
  assert.equal(tensorCategory('blk.0.attn_v.weight'), 'attn_v');
  assert.equal(tensorCategory('blk.0.ffn_down_exps.weight'), 'ffn_down');
  assert.equal(tensorCategory('blk.0.ffn_up_gate.weight'), 'ffn_up');
  assert.equal(tensorCategory('per_layer_token_embd.weight'), 'token_embd');
  assert.equal(tensorCategory('output.weight'), 'output');
  assert.equal(tensorCategory('blk.0.output.weight'), 'other');
});

test('shape fallback: smaller-block siblings, then F16', () => {
  const cases: [number, number, number][] = [
    [GgmlType.Q4_K, 288, GgmlType.Q5_0], [GgmlType.Q5_K, 288, GgmlType.Q5_1], [GgmlType.Q6_K, 288, GgmlType.Q8_0],
    [GgmlType.Q2_K, 288, GgmlType.Q4_0], [GgmlType.Q3_K, 288, GgmlType.Q4_0], [GgmlType.IQ4_XS, 288, GgmlType.IQ4_NL],
    [GgmlType.Q4_K, 48, GgmlType.F16], [GgmlType.Q8_0, 48, GgmlType.F16], [GgmlType.IQ4_NL, 40, GgmlType.F16],
  ];
  for (const [type, rows, expected] of cases) assert.deepEqual(shapeFallback(rows, type, 't'), { type: expected, fellBack: true });
  assert.deepEqual(shapeFallback(512, GgmlType.Q4_K, 't'), { type: GgmlType.Q4_K, fellBack: false });
  assert.throws(() => shapeFallback(100, GgmlType.Q8_K, 't'), /no tensor type fallback is defined for type q8_K/);
});

test('the plan: output order, trimmed shapes, copy vs convert, sizes and offsets', () => {
  const plan = planQuantization(model(2, [
    w('blk.1.attn_q.weight', [256, 256]), w('blk.0.attn_q.weight', [256, 256]),
    w('blk.0.attn_norm.weight', [256, 1], GgmlType.F32), w('token_embd.weight', [256, 100]), w('output.weight', [256, 100], GgmlType.Q8_0),
  ]), { ftype: 'Q8_0' });
  assert.deepEqual(plan.tensors.map((t) => [t.name, t.shape, t.outputType, t.convert, t.outputBytes, t.offset]), [
    ['output.weight', [256, 100], GgmlType.Q8_0, false, 100 * 8 * 34, 0],
    ['token_embd.weight', [256, 100], GgmlType.Q8_0, true, 100 * 8 * 34, 27200],
    ['blk.0.attn_norm.weight', [256], GgmlType.F32, false, 1024, 54400],
    ['blk.0.attn_q.weight', [256, 256], GgmlType.Q8_0, true, 256 * 8 * 34, 55424],
    ['blk.1.attn_q.weight', [256, 256], GgmlType.Q8_0, true, 256 * 8 * 34, 55424 + 69632],
  ]);
  assert.equal(plan.convertCount, 3);
  assert.equal(plan.alignment, 32);
  assert.equal(plan.version, 3);
  assert.equal(plan.ftype.name, 'Q8_0');
});

test('output metadata: input order kept, version and file type moved to the end, split keys dropped', () => {
  const extra: GgufKV[] = [
    { key: 'split.no', type: V.UINT16, value: 0 }, { key: 'split.count', type: V.UINT16, value: 1 },
    { key: 'split.tensors.count', type: V.INT32, value: 1 }, { key: 'z.last', type: V.BOOL, value: true },
  ];
  const plan = planQuantization(model(1, [w('blk.0.attn_q.weight', [256, 256])], extra), {
    ftype: 'Q4_0', kvOverrides: [{ key: 'llama.block_count', type: 'int', value: 1 }, { key: 'new.key', type: 'str', value: 'v' }],
  });
  assert.deepEqual(plan.metadata.map((kv) => kv.key), [
    'general.architecture', 'llama.attention.head_count', 'llama.attention.head_count_kv', 'llama.context_length',
    'llama.embedding_length', 'llama.attention.layer_norm_rms_epsilon', 'z.last',
    'general.quantization_version', 'general.file_type', 'llama.block_count', 'new.key',
  ]);
  assert.deepEqual(plan.metadata.find((kv) => kv.key === 'general.file_type'), u32('general.file_type', 2));
});

test('an ftype whose type has no kernel yet is planned in full, and names the missing kernel', () => {
  const m = model(1, [w('blk.0.attn_q.weight', [256, 256]), w('blk.0.ffn_up.weight', [256, 64])]);
  for (const f of FTYPES.filter((x) => !x.needsImatrix)) {
    const plan = planQuantization(m, { ftype: f.name });
    assert.equal(plan.tensors.length, 2);
    const lacking = plan.tensors.find((t) => t.convert && !ggmlType(t.outputType)!.kernel);
    if (!lacking) assert.equal(plan.missingKernel, undefined, f.name);
    else {
      const type = ggmlType(lacking.outputType)!.name;
      assert.equal(plan.missingKernel, `Quantsmith cannot write ${f.name} yet: it has no kernel for type ${type} (tensor ${lacking.name})`);
    }
  }
});

test('refused: options Quantsmith cannot honour', () => {
  const m = model(1, [w('blk.0.attn_q.weight', [256, 256]), w('blk.0.ffn_up.weight', [48, 64])]);
  refuses(m, { ftype: 'Q4_0', includeWeights: ['attn'], excludeWeights: ['ffn'] }, /--include-weights and --exclude-weights cannot be used together/);
  // (q8_1 and q8_K are ggml's activation types: llama-quantize cannot write them either)
  refuses(m, { ftype: 'Q4_0', tensorTypes: [{ pattern: 'attn_q', type: 'q8_1' }] }, /--tensor-type 'attn_q': Quantsmith cannot produce type q8_1/);
  refuses(m, { ftype: 'Q4_0', tensorTypes: [{ pattern: 'nothing matches', type: 'q8_K' }] }, /Quantsmith cannot produce type q8_K/);
  refuses(m, { ftype: 'Q4_0', outputTensorType: 'q8_1' }, /--output-tensor-type: Quantsmith cannot produce type q8_1/);
  refuses(m, { ftype: 'Q4_0', tokenEmbeddingType: 'q8_K' }, /--token-embedding-type: Quantsmith cannot produce type q8_K/);
  refuses(m, { ftype: 'Q4_0', tensorTypes: [{ pattern: 'attn_q', type: 'q4_q' }] }, /invalid ggml type 'q4_q'/);
  refuses(m, { ftype: 'Q4_0', tensorTypes: [{ pattern: 'attn_(q', type: 'q8_0' }] }, /invalid tensor type pattern 'attn_\(q'/);
  refuses(m, { ftype: 'Q4_0', tensorTypes: [{ pattern: '(?<=blk)', type: 'q8_0' }] }, /lookbehind and named groups are not supported/);
  refuses(m, { ftype: 'Q4_0', outputTensorType: 'q5_5' }, /invalid ggml type 'q5_5' for --output-tensor-type/);
  // an explicit 256-block type on rows of 48: llama.cpp would stop on an assertion
  const embd = model(1, [w('token_embd.weight', [48, 64])]);
  refuses(embd, { ftype: 'Q4_0', tokenEmbeddingType: 'q4_K' }, /row length 48 is not a multiple of 256, the block size of q4_K/);
});

test('refused: KV overrides that are malformed or would contradict the layout', () => {
  const m = model(1, [w('blk.0.attn_q.weight', [256, 256])]);
  refuses(m, { ftype: 'Q4_0', kvOverrides: [{ key: '', type: 'int', value: 1 }] }, /missing key/);
  refuses(m, { ftype: 'Q4_0', kvOverrides: [{ key: 'k', type: 'int', value: 1.5 }] }, /invalid int value for KV override 'k'/);
  refuses(m, { ftype: 'Q4_0', kvOverrides: [{ key: 'k', type: 'bool', value: 'yes' as never }] }, /invalid bool value/);
  refuses(m, { ftype: 'Q4_0', kvOverrides: [{ key: 'k', type: 'str', value: 'x'.repeat(128) }] }, /cannot exceed 127 bytes/);
  refuses(m, { ftype: 'Q4_0', kvOverrides: [{ key: 'general.alignment', type: 'int', value: 64 }] }, /overriding general.alignment is not supported/);
  const aligned64 = model(1, [w('blk.0.attn_q.weight', [256, 256])], [u32('general.alignment', 64)]);
  refuses(aligned64, { ftype: 'Q4_0' }, /general.alignment is 64/);
  assert.doesNotThrow(() => planQuantization(model(1, [w('blk.0.attn_q.weight', [256, 256])], [u32('general.alignment', 32)]), { ftype: 'Q4_0' }));
});

test('refused: models llama.cpp cannot load or convert', () => {
  const t = [w('blk.0.attn_q.weight', [256, 256])];
  refuses({ metadata: [], tensors: t }, { ftype: 'Q4_0' }, /key not found in model: general.architecture/);
  refuses({ metadata: [{ key: 'general.architecture', type: V.STRING, value: 'llama' }], tensors: t }, { ftype: 'Q4_0' }, /key not found in model: llama.context_length$/);
  refuses({ metadata: llamaMetadata(1).filter((kv) => kv.key !== 'llama.block_count'), tensors: t }, { ftype: 'Q4_0' }, /key not found in model: llama.block_count$/);
  refuses({ metadata: llamaMetadata(1).map((kv) => (kv.key === 'llama.block_count' ? { ...kv, type: V.INT32 } : kv)), tensors: t },
    { ftype: 'Q4_0' }, /key llama.block_count has wrong type i32 but expected type u32/);
  refuses(model(1, t), { ftype: 'Q4_0', kvOverrides: [{ key: 'llama.block_count', type: 'int', value: 0 }] }, /block_count is 0/);
  refuses(model(1, [w('blk.0.attn_q.weight', [256, 256], GgmlType.I32)]), { ftype: 'Q4_0' }, /cannot dequantize\/convert tensor type i32/);
  refuses(model(1, [w('blk.0.attn_q.weight', [256, 256], GgmlType.Q8_K)]), { ftype: 'Q4_0', allowRequantize: true },
    /Quantsmith cannot dequantize type q8_K/);
  refuses(model(1, [w('blk.0.attn_q.weight', [256, 256], GgmlType.Q4_0)]), { ftype: 'Q8_0' }, /requantizing from type q4_0 is disabled/);
  refuses(model(1, [w('blk.0.attn_q.weight', [256, 256], 77)]), { ftype: 'Q8_0' }, /unknown ggml type 77/);
  // an already-quantized tensor of a type Quantsmith has no kernel for is fine when it is only copied
  const copied = planQuantization(model(1, [w('blk.0.attn_q.weight', [256, 256]), w('blk.0.attn_norm.weight', [256], GgmlType.IQ3_S)]), { ftype: 'Q4_0' });
  assert.deepEqual(copied.tensors.map((x) => [x.outputType, x.convert]), [[GgmlType.IQ3_S, false], [GgmlType.Q4_0, true]]);
});

test('refused: mixture-of-experts tensors whose layer llama.cpp cannot place', () => {
  const moe = (name: string) => model(2, [w(name, [256, 256, 4])], [u32('llama.expert_count', 4)]);
  refuses(moe('ffn_down_exps.weight'), { ftype: 'Q4_K_M' }, /Failed to determine layer for tensor ffn_down_exps.weight/);
  refuses(moe('blk.7.ffn_up_exps.weight'), { ftype: 'Q4_K_M' }, /Bad layer 7 for tensor blk.7.ffn_up_exps.weight. Must be in \[0, 2\)/);
  // --pure skips the mixture and with it the layer lookup
  assert.doesNotThrow(() => planQuantization(moe('ffn_down_exps.weight'), { ftype: 'Q4_K_M', pure: true }));
});
