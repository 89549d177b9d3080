// A model missing a key llama.cpp's loader requires for its architecture is refused by llama_model_quantize
// and by Quantsmith, naming the key; a missing key the loader does not require is accepted by both. The
// sample architectures get llama-shaped synthetic models carrying every key the table requires for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { planQuantization } from '../../web/src/core/quant/plan.ts';
import { ARCH_REQUIRED_KEYS } from '../../web/src/core/quant/required-keys.ts';
import { STANDARD_SYNTHETIC_SPECS, syntheticMetadata, syntheticTensors } from '../fixtures/synthetic-models.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import { scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

const dir = scratchDir();
oracleQuietLogs();
const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === 'llama-mha-f32')!;
const tensors = syntheticTensors(spec);

/** A value of the type the loader reads the key as (floats for epsilons and scales). */
function valueFor(key: string): GgufKV {
  if (/epsilon|scale|factor|softcap|_eps$/.test(key)) return { key, type: V.FLOAT32, value: Math.fround(1e-5) };
  return { key, type: V.UINT32, value: 16 };
}

/** The llama synthetic model's metadata for another architecture, with every key that architecture requires. */
function metadataFor(arch: string): GgufKV[] {
  const kvs = syntheticMetadata(spec).map((kv) =>
    kv.key === 'general.architecture' ? { ...kv, value: arch } : kv.key.startsWith('llama.') ? { ...kv, key: `${arch}.${kv.key.slice(6)}` } : kv);
  const conditional = arch === 'deepseek2' ? ['deepseek2.attention.q_lora_rank'] : [];
  for (const entry of [...ARCH_REQUIRED_KEYS[arch], ...conditional]) {
    const key = typeof entry === 'string' ? entry : entry[0];
    if (!kvs.some((kv) => kv.key === key)) kvs.push(valueFor(key));
  }
  return kvs;
}

let n = 0;
function llamaAccepts(metadata: GgufKV[]): boolean {
  const path = join(dir, `m-${n++}.gguf`);
  writeGgufFile(path, { metadata, tensors });
  return oracleQuantizeFile(path, join(dir, 'out.gguf'), { ftype: 7, dryRun: true }) === 0;
}
const quantsmithRefusal = (metadata: GgufKV[]): string | undefined => {
  try {
    planQuantization({ metadata, tensors }, { ftype: 'Q8_0' });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

const SAMPLE = ['granite', 'gpt2', 'deepseek2', 'falcon', 'gemma2', 'qwen3moe', 'starcoder2', 'command-r', 't5', 'bert', 'mamba2', 'rwkv7', 'gpt-oss', 'nemotron_h', 'minimax-m2', 'jais2'];

for (const arch of SAMPLE) {
  test(`${arch}: each required key's absence is refused by both, an optional key's accepted by both`, () => {
    const full = metadataFor(arch);
    assert.ok(llamaAccepts(full), `llama.cpp refuses the complete ${arch} model`);
    assert.equal(quantsmithRefusal(full), undefined);
    const required = [`${arch}.context_length`, `${arch}.embedding_length`, `${arch}.block_count`,
      ...ARCH_REQUIRED_KEYS[arch].map((e) => (typeof e === 'string' ? e : e[0]))];
    if (arch === 'deepseek2') required.push('deepseek2.attention.q_lora_rank');
    for (const key of required) {
      const without = full.filter((kv) => kv.key !== key);
      assert.equal(llamaAccepts(without), false, `llama.cpp accepts ${arch} without ${key}`);
      assert.match(quantsmithRefusal(without) ?? 'accepted', new RegExp(`key not found in model: ${key.replace(/\./g, '\\.')}$`), key);
    }
    for (const key of [`${arch}.rope.freq_base`, `${arch}.rope.dimension_count`, 'general.name']) {
      const without = full.filter((kv) => kv.key !== key);
      assert.ok(llamaAccepts(without), `llama.cpp refuses ${arch} without ${key}`);
      assert.equal(quantsmithRefusal(without), undefined, key);
    }
  });
}

test('deepseek2 "lite" (27 layers) does not need q_lora_rank, in llama.cpp or Quantsmith', () => {
  const lite: GgufKV[] = metadataFor('deepseek2').filter((kv) => kv.key !== 'deepseek2.attention.q_lora_rank')
    .map((kv) => (kv.key === 'deepseek2.block_count' ? { ...kv, value: 27 } : kv));
  assert.ok(llamaAccepts(lite));
  assert.equal(quantsmithRefusal(lite), undefined);
});

test('a required key given by --override-kv stands in for it, as in llama.cpp', () => {
  const without = metadataFor('granite').filter((kv) => kv.key !== 'granite.logit_scale');
  assert.equal(quantsmithRefusal(without)?.includes('granite.logit_scale'), true);
  planQuantization({ metadata: without, tensors }, { ftype: 'Q8_0', kvOverrides: [{ key: 'granite.logit_scale', type: 'float', value: 1 }] });
});

test('gptj, which llama.cpp names but cannot create, is refused by both', () => {
  const md = metadataFor('llama').map((kv) => (kv.key === 'general.architecture' ? { ...kv, value: 'gptj' } : kv.key.startsWith('llama.') ? { ...kv, key: `gptj.${kv.key.slice(6)}` } : kv));
  assert.equal(llamaAccepts(md), false);
  assert.match(quantsmithRefusal(md) ?? '', /unsupported model architecture: 'gptj'/);
});
