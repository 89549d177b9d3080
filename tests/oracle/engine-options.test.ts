// Each llama-quantize option gives the same bytes as llama.cpp given the same option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseFtype } from '../../web/src/core/quant/ftypes.ts';
import { ggmlTypeByName } from '../../web/src/core/quant/ggml-types.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { oracleQuantizeFile, oracleQuietLogs, type OracleQuantizeOptions } from './llama-cpp.ts';

const dir = scratchDir();
oracleQuietLogs();
let n = 0;

function oracleOptions(o: QuantizeOptions): OracleQuantizeOptions {
  const typeId = (name: string) => ggmlTypeByName(name)!.id;
  return {
    ftype: parseFtype(o.ftype).id,
    outputTensorType: o.outputTensorType ? typeId(o.outputTensorType) : undefined,
    tokenEmbeddingType: o.tokenEmbeddingType ? typeId(o.tokenEmbeddingType) : undefined,
    quantizeOutputTensor: o.leaveOutputTensor ? false : undefined,
    pure: o.pure,
    allowRequantize: o.allowRequantize,
    tensorTypes: o.tensorTypes?.map((t) => ({ pattern: t.pattern, type: typeId(t.type) })),
    kvOverrides: o.kvOverrides?.map((kv) => ({ key: kv.key, value: { type: kv.type, value: kv.value } as never })),
  };
}

const show = (o: QuantizeOptions) => JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? String(v) : v));

async function sameAsLlama(input: string, options: QuantizeOptions) {
  const id = n++;
  const ours = join(dir, `ours-${id}.gguf`);
  const theirs = join(dir, `llama-${id}.gguf`);
  await quantizeWithEngine(input, [{ options, path: ours }]);
  assert.equal(oracleQuantizeFile(input, theirs, oracleOptions(options)), 0, `llama.cpp refused ${show(options)}`);
  assert.ok(readFileSync(ours).equals(readFileSync(theirs)), `differs from llama.cpp for ${show(options)}`);
}

const tied = join(dir, 'tied.gguf');
const moe = join(dir, 'moe.gguf');
writeSyntheticModel(tied, STANDARD_SYNTHETIC_SPECS.find((s) => s.tiedEmbeddings)!);
writeSyntheticModel(moe, STANDARD_SYNTHETIC_SPECS.find((s) => s.nExpert)!);

const cases: [string, QuantizeOptions][] = [
  ['--output-tensor-type', { ftype: 'Q4_K_M', outputTensorType: 'q8_0' }],
  ['--token-embedding-type', { ftype: 'Q4_K_M', tokenEmbeddingType: 'q6_K' }],
  ['both embedding types', { ftype: 'Q5_K_S', outputTensorType: 'f16', tokenEmbeddingType: 'q4_0' }],
  ['--leave-output-tensor', { ftype: 'Q4_K_M', leaveOutputTensor: true }],
  ['--pure Q4_K_M', { ftype: 'Q4_K_M', pure: true }],
  ['--pure Q3_K_M', { ftype: 'Q3_K_M', pure: true }],
  ['--tensor-type', { ftype: 'Q4_K_M', tensorTypes: [{ pattern: 'attn_v', type: 'q8_0' }, { pattern: 'blk\\.[01]\\.ffn_down', type: 'f16' }, { pattern: 'ffn_up', type: 'iq4_nl' }] }],
  ['--override-kv of each kind', {
    ftype: 'Q8_0',
    kvOverrides: [
      { key: 'general.name', type: 'str', value: 'renamed by a test' },
      { key: 'quantsmith.test.int', type: 'int', value: 42n },
      { key: 'quantsmith.test.float', type: 'float', value: 0.5 },
      { key: 'quantsmith.test.bool', type: 'bool', value: true },
    ],
  }],
];

for (const [label, options] of cases) {
  test(`${label}: same bytes as llama.cpp on the trained model`, () => sameAsLlama(SHARED_F16_GGUF, options));
}
test('--output-tensor-type and --token-embedding-type on a model with tied embeddings', () =>
  sameAsLlama(tied, { ftype: 'Q4_K_M', outputTensorType: 'q6_K', tokenEmbeddingType: 'q8_0' }));
test('--tensor-type on 3-D expert tensors', () =>
  sameAsLlama(moe, { ftype: 'Q4_K_S', tensorTypes: [{ pattern: 'ffn_down_exps', type: 'q8_0' }] }));

test('--allow-requantize: an already quantized input gives the same bytes; without it both refuse', async () => {
  const q8 = join(dir, 'q8.gguf');
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, q8, { ftype: 7 }), 0);
  await sameAsLlama(q8, { ftype: 'Q4_K_M', allowRequantize: true });
  await sameAsLlama(q8, { ftype: 'Q5_0', allowRequantize: true });

  assert.notEqual(oracleQuantizeFile(q8, join(dir, 'refused-llama.gguf'), { ftype: 15 }), 0);
  const refused = join(dir, 'refused-ours.gguf');
  await assert.rejects(quantizeWithEngine(q8, [{ options: { ftype: 'Q4_K_M' }, path: refused }]), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError);
    assert.match(e.message, /requantiz/i);
    assert.match(e.message, /allow-requantize|allowRequantize|allow requantize/i);
    return true;
  });
  assert.equal(existsSync(refused), false);
  assert.equal(readdirSync(dir).some((f) => f.includes('refused-ours')), false, 'no temporary file left');
});

test('Q2_K_S is refused for want of an importance matrix, as llama.cpp refuses it', async () => {
  assert.notEqual(oracleQuantizeFile(SHARED_F16_GGUF, join(dir, 'q2ks-llama.gguf'), { ftype: 21 }), 0);
  await assert.rejects(
    quantizeWithEngine(SHARED_F16_GGUF, [{ options: { ftype: 'Q2_K_S' }, path: join(dir, 'q2ks.gguf') }]),
    /importance matrix/i,
  );
  assert.equal(existsSync(join(dir, 'q2ks.gguf')), false);
});
