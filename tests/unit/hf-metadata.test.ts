// What convert_hf_to_gguf.py writes for synthetic folders, worked out by hand from its source (ModelBase,
// TextModel, the model classes, gguf-py's Metadata, SpecialVocab and GGUFWriter): key order, types and values,
// tensor order and types, and the tensor edits (Q/K permutation, Gemma's norm +1, Gemma 3's vocabulary cut).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import { GgufValueType as T, type GgufArray, type GgufValue } from '../../web/src/core/formats/gguf/model.ts';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { DIMS, SPM_WORDS, synthValues, writeSyntheticFolder } from '../fixtures/hf/synthetic-folder.ts';
import { SYNTHETIC_SPECS } from '../fixtures/hf/synthetic-specs.ts';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'qs-hf-meta-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

async function open(name: string): Promise<ModelSource> {
  const dir = join(work, name);
  writeSyntheticFolder(dir, SYNTHETIC_SPECS[name]!);
  return openHfModel(await openNodeFolder(dir));
}

function kv(source: ModelSource, key: string): { type: T; value: GgufValue } {
  const e = source.metadata.find((x) => x.key === key);
  assert.ok(e, `missing ${key}`);
  return e;
}
const value = (s: ModelSource, key: string) => kv(s, key).value;
const items = (s: ModelSource, key: string) => (value(s, key) as GgufArray).items;
const f32 = Math.fround;

/** Parameters of the synthetic Llama: embedding and output 276×64, 2 blocks of norms, attention and MLP, final norm. */
const LLAMA_PARAMS = 2 * 276 * 64 + 2 * (2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 128 * 64) + 64;

describe('synth-llama (F16, SentencePiece)', () => {
  let s: ModelSource;
  before(async () => { s = await open('synth-llama'); });
  after(() => s.close());

  test('keys in the converter\'s order', () => {
    assert.deepEqual(s.metadata.map((e) => e.key), [
      'general.architecture', 'general.type', 'general.name', 'general.size_label',
      'llama.block_count', 'llama.context_length', 'llama.embedding_length', 'llama.feed_forward_length',
      'llama.attention.head_count', 'llama.attention.head_count_kv', 'llama.rope.freq_base',
      'llama.attention.layer_norm_rms_epsilon', 'general.file_type', 'llama.vocab_size', 'llama.rope.dimension_count',
      'general.quantization_version',
      'tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type',
      'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.add_bos_token', 'tokenizer.ggml.add_eos_token',
    ]);
  });

  test('values and types', () => {
    assert.deepEqual(kv(s, 'general.architecture'), { key: 'general.architecture', type: T.STRING, value: 'llama' });
    assert.equal(value(s, 'general.name'), 'Synth Llama'); // folder name, title-cased; too ambiguous for a basename
    assert.equal(LLAMA_PARAMS, 109376);
    assert.equal(value(s, 'general.size_label'), '109K');
    assert.deepEqual(kv(s, 'llama.block_count'), { key: 'llama.block_count', type: T.UINT32, value: 2 });
    assert.equal(value(s, 'llama.context_length'), 256);
    assert.equal(value(s, 'llama.attention.head_count_kv'), 2);
    assert.deepEqual(kv(s, 'llama.rope.freq_base'), { key: 'llama.rope.freq_base', type: T.FLOAT32, value: 10000 });
    assert.equal(value(s, 'llama.attention.layer_norm_rms_epsilon'), f32(1e-5));
    assert.equal(value(s, 'general.file_type'), 1); // MOSTLY_F16
    assert.equal(value(s, 'llama.vocab_size'), 276);
    assert.equal(value(s, 'llama.rope.dimension_count'), 16);
    assert.equal(value(s, 'general.quantization_version'), 2);
    assert.equal(value(s, 'tokenizer.ggml.model'), 'llama');
    assert.equal(value(s, 'tokenizer.ggml.pre'), 'default');
    const tokens = items(s, 'tokenizer.ggml.tokens');
    assert.equal(tokens.length, 276);
    assert.deepEqual(tokens.slice(0, 4), ['<unk>', '<s>', '</s>', '<0x00>']);
    assert.deepEqual(tokens.slice(259, 261), SPM_WORDS.slice(0, 2));
    assert.deepEqual(items(s, 'tokenizer.ggml.scores').slice(258, 261), [0, -1.25, -2.5]);
    // unknown, control, byte, normal; a user-defined piece counts as normal; unused stays unused
    const types = items(s, 'tokenizer.ggml.token_type');
    assert.deepEqual([types[0], types[1], types[3], types[259], types[274], types[275]], [2, 3, 6, 1, 1, 5]);
    assert.equal(kv(s, 'tokenizer.ggml.token_type').type, T.ARRAY);
    assert.equal((value(s, 'tokenizer.ggml.token_type') as GgufArray).itemType, T.INT32);
    assert.equal((value(s, 'tokenizer.ggml.scores') as GgufArray).itemType, T.FLOAT32);
    assert.equal(value(s, 'tokenizer.ggml.bos_token_id'), 1);
    assert.equal(value(s, 'tokenizer.ggml.eos_token_id'), 2);
    assert.equal(value(s, 'tokenizer.ggml.add_bos_token'), true);
    assert.equal(value(s, 'tokenizer.ggml.add_eos_token'), false);
  });

  test('tensors in checkpoint name order, norms F32, matrices F16, the rotary buffer dropped', () => {
    const block = (b: number) => ['attn_norm', 'ffn_down', 'ffn_gate', 'ffn_up', 'ffn_norm', 'attn_k', 'attn_output', 'attn_q', 'attn_v']
      .map((n) => `blk.${b}.${n}.weight`);
    assert.deepEqual(s.tensors.map((t) => t.name), ['output.weight', 'token_embd.weight', ...block(0), ...block(1), 'output_norm.weight']);
    const byName = new Map(s.tensors.map((t) => [t.name, t]));
    assert.deepEqual(byName.get('token_embd.weight')!.shape, [64, 276]);
    assert.equal(byName.get('token_embd.weight')!.type, 1);
    assert.equal(byName.get('blk.0.attn_norm.weight')!.type, 0);
    assert.deepEqual(byName.get('blk.0.attn_k.weight')!.shape, [64, 32]);
  });

  test('Q and K rows come back in llama.cpp\'s rotary order', async () => {
    const rowOf = (name: string, row: number) => {
      const v = synthValues(name, (row + 1) * 64).subarray(row * 64);
      return Buffer.from(new Uint16Array(Array.from(v, toHalfBits)).buffer);
    };
    const q = s.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
    // head size 16: output row 1 is the first row of the head's second half (row 8)
    assert.ok(Buffer.from(await q.readRows(1, 1)).equals(rowOf('model.layers.0.self_attn.q_proj.weight', 8)));
    assert.ok(Buffer.from(await q.readRows(0, 1)).equals(rowOf('model.layers.0.self_attn.q_proj.weight', 0)));
    const k = s.tensors.find((t) => t.name === 'blk.0.attn_k.weight')!;
    // 2 KV heads: output row 17 is head 1's row 8 (source row 24)
    assert.ok(Buffer.from(await k.readRows(17, 1)).equals(rowOf('model.layers.0.self_attn.k_proj.weight', 24)));
  });
});

describe('Meta-Llama-3.1-8B-Instruct (model card, generation config, added tokens, llama3 rope)', () => {
  let s: ModelSource;
  before(async () => { s = await open('Meta-Llama-3.1-8B-Instruct'); });
  after(() => s.close());

  test('general.* from generation_config.json, config.json\'s _name_or_path and the model card', () => {
    const general = s.metadata.filter((e) => e.key.startsWith('general.')).slice(0, 26).map((e) => e.key);
    assert.deepEqual(general, [
      'general.architecture', 'general.type',
      'general.sampling.top_k', 'general.sampling.top_p', 'general.sampling.temp', 'general.sampling.penalty_repeat',
      'general.name', 'general.organization', 'general.finetune', 'general.basename', 'general.size_label', 'general.license',
      'general.base_model.count', 'general.base_model.0.name', 'general.base_model.0.organization', 'general.base_model.0.repo_url',
      'general.dataset.count', 'general.dataset.0.name', 'general.dataset.0.organization', 'general.dataset.0.repo_url',
      'general.dataset.1.repo_url', 'general.tags', 'general.languages', 'general.file_type', 'general.quantization_version',
    ].slice(0, 26));
    assert.deepEqual(kv(s, 'general.sampling.top_k'), { key: 'general.sampling.top_k', type: T.INT32, value: 40 });
    assert.equal(value(s, 'general.sampling.top_p'), f32(0.9));
    assert.equal(value(s, 'general.sampling.temp'), f32(0.6));
    assert.equal(value(s, 'general.sampling.penalty_repeat'), f32(1.1));
    assert.equal(value(s, 'general.name'), 'Meta Llama 3.1 8B Instruct');
    assert.equal(value(s, 'general.organization'), 'Meta Llama');
    // "8B" is far from this tiny model's size, so it is read as part of the finetune, lower-cased
    assert.equal(value(s, 'general.finetune'), '8b-Instruct');
    assert.equal(value(s, 'general.basename'), 'Meta-Llama-3.1');
    assert.equal(value(s, 'general.size_label'), '109K'); // LLAMA_PARAMS + 8 rope factors
    assert.equal(value(s, 'general.license'), 'apache-2.0');
    assert.equal(value(s, 'general.base_model.0.name'), 'Llama 3.1 8B');
    assert.equal(value(s, 'general.base_model.0.repo_url'), 'https://huggingface.co/meta-llama/Llama-3.1-8B');
    assert.equal(value(s, 'general.dataset.count'), 2);
    assert.equal(value(s, 'general.dataset.0.name'), 'Fineweb');
    assert.equal(value(s, 'general.dataset.0.organization'), 'HuggingFaceFW');
    assert.equal(value(s, 'general.dataset.1.repo_url'), 'https://huggingface.co/datasets/foo/bar');
    assert.deepEqual(items(s, 'general.tags'), ['code', 'text-generation']);
    assert.deepEqual(items(s, 'general.languages'), ['en', 'no']);
  });

  test('tokenizer: space prefix first, added tokens typed and scored -1000, chat template', () => {
    const keys = s.metadata.map((e) => e.key);
    assert.equal(keys[keys.indexOf('general.quantization_version') + 1], 'tokenizer.ggml.add_space_prefix');
    assert.equal(value(s, 'tokenizer.ggml.add_space_prefix'), true);
    const tokens = items(s, 'tokenizer.ggml.tokens');
    const types = items(s, 'tokenizer.ggml.token_type');
    const scores = items(s, 'tokenizer.ggml.scores');
    assert.deepEqual([tokens[270], types[270], scores[270]], ['<|im_start|>', 3, -1000]); // looks special
    assert.deepEqual([tokens[271], types[271]], ['<tool_call>', 4]);
    assert.deepEqual([tokens[272], types[272]], [' x y', 4]); // ▁ → space in user-defined tokens
    assert.deepEqual([tokens[273], types[273]], ['<extra>', 4]); // added_tokens.json
    assert.deepEqual([tokens[2], types[2], scores[2]], ['</s>', 3, -1000]);
    assert.equal(value(s, 'tokenizer.chat_template'), '{% for m in messages %}{{ m.content }}{% endfor %}');
    assert.equal(keys[keys.length - 1], 'tokenizer.chat_template');
  });

  test('llama3 rope factors come first, as F32', () => {
    const rope = s.tensors[0]!;
    assert.equal(rope.name, 'rope_freqs.weight');
    assert.deepEqual(rope.shape, [8]);
    assert.equal(rope.type, 0);
  });
});

describe('synth-qwen2-bpe (BF16, GPT-2 BPE tokenizer.json)', () => {
  let s: ModelSource;
  before(async () => { s = await open('synth-qwen2-bpe'); });
  after(() => s.close());

  test('gpt2 tokenizer: pre-tokenizer from the check-text hash, merges, special ids from the added tokens', () => {
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/hf/gpt2-subset-tokenizer.json', import.meta.url), 'utf8'));
    const keys = s.metadata.map((e) => e.key);
    assert.deepEqual(keys.slice(keys.indexOf('general.quantization_version')), [
      'general.quantization_version', 'tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.tokens', 'tokenizer.ggml.token_type',
      'tokenizer.ggml.merges', 'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id', 'tokenizer.ggml.unknown_token_id',
      'tokenizer.chat_template',
    ]);
    assert.equal(value(s, 'tokenizer.ggml.model'), 'gpt2');
    assert.equal(value(s, 'tokenizer.ggml.pre'), 'gpt-2');
    const tokens = items(s, 'tokenizer.ggml.tokens');
    const types = items(s, 'tokenizer.ggml.token_type');
    assert.equal(tokens.length, 50257);
    assert.deepEqual([tokens[0], types[0]], ['!', 1]);
    const present = new Set(Object.values(fixture.model.vocab as Record<string, number>));
    const missing = [...Array(50257).keys()].find((i) => !present.has(i))!;
    assert.deepEqual([tokens[missing], types[missing]], [`[PAD${missing}]`, 5]); // not in the subset vocabulary
    assert.deepEqual([tokens[50256], types[50256]], ['<|endoftext|>', 3]);
    assert.deepEqual(items(s, 'tokenizer.ggml.merges'), fixture.model.merges);
    assert.equal(value(s, 'tokenizer.ggml.bos_token_id'), 50256);
    assert.equal(value(s, 'tokenizer.ggml.unknown_token_id'), 50256);
    assert.equal(value(s, 'tokenizer.chat_template'), '{{ bos_token }}{{ messages }}');
    assert.equal(value(s, 'general.file_type'), 32); // MOSTLY_BF16
  });

  test('tied embeddings: no output tensor; biases F32', () => {
    const names = s.tensors.map((t) => t.name);
    assert.ok(!names.includes('output.weight'));
    const bias = s.tensors.find((t) => t.name === 'blk.0.attn_q.bias')!;
    assert.equal(bias.type, 0);
    assert.equal(s.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.type, 30);
  });
});

describe('synth-gemma3 (BF16, norms +1, vocabulary cut, sliding window)', () => {
  let s: ModelSource;
  before(async () => { s = await open('synth-gemma3'); });
  after(() => s.close());

  test('keys: TextModel\'s, then Gemma 3\'s overrides in place and its additions at the end', () => {
    assert.deepEqual(s.metadata.map((e) => e.key).slice(4, 22), [
      'gemma3.block_count', 'gemma3.context_length', 'gemma3.embedding_length', 'gemma3.feed_forward_length',
      'gemma3.attention.head_count', 'gemma3.attention.head_count_kv', 'gemma3.rope.scaling.type', 'gemma3.rope.scaling.factor',
      'gemma3.rope.freq_base', 'gemma3.rope.freq_base_swa', 'gemma3.attention.layer_norm_rms_epsilon',
      'gemma3.attention.key_length', 'gemma3.attention.value_length', 'general.file_type', 'gemma3.attention.sliding_window',
      'general.quantization_version', 'tokenizer.ggml.model', 'tokenizer.ggml.pre',
    ]);
    assert.equal(value(s, 'gemma3.rope.scaling.type'), 'linear');
    assert.equal(value(s, 'gemma3.rope.freq_base'), 1000000);
    assert.equal(value(s, 'gemma3.rope.freq_base_swa'), 10000);
    assert.equal(value(s, 'gemma3.attention.sliding_window'), 512);
    assert.equal(value(s, 'gemma3.attention.layer_norm_rms_epsilon'), f32(1e-6));
    assert.equal(s.metadata[s.metadata.length - 1]!.key, 'tokenizer.ggml.add_space_prefix');
    assert.equal(value(s, 'tokenizer.ggml.add_space_prefix'), false);
  });

  test('embedding rows past the tokenizer\'s 276 tokens are dropped', () => {
    assert.deepEqual(s.tensors.find((t) => t.name === 'token_embd.weight')!.shape, [DIMS.hidden, 276]);
  });

  test('norms are 1 + w, computed in float32 from the BF16 weights', async () => {
    const t = s.tensors.find((x) => x.name === 'blk.1.post_ffw_norm.weight')!;
    const got = new Float32Array((await t.readRows(0, 1)).slice().buffer);
    const src = synthValues('model.layers.1.post_feedforward_layernorm.weight', 64);
    const bf16 = (x: number) => new Float32Array(new Uint32Array([new Uint32Array(new Float32Array([x]).buffer)[0]! & 0xffff0000]).buffer)[0]!;
    assert.deepEqual([...got], [...src].map((x) => f32(bf16(x) + 1)));
  });
});

describe('synth-phi3 (long rope factors, Phi-3 SentencePiece vocabulary)', () => {
  let s: ModelSource;
  before(async () => { s = await open('synth-phi3'); });
  after(() => s.close());

  test('the rope attention factor is written while tensors are prepared, before general.type', () => {
    const keys = s.metadata.map((e) => e.key);
    assert.deepEqual(keys.slice(0, 3), ['general.architecture', 'phi3.rope.scaling.attn_factor', 'general.type']);
    assert.equal(value(s, 'phi3.rope.scaling.attn_factor'), f32(Math.sqrt(1 + Math.log(1024 / 128) / Math.log(128))));
    assert.deepEqual(keys.slice(5, 19), [
      'phi3.context_length', 'phi3.rope.scaling.original_context_length', 'phi3.embedding_length', 'phi3.feed_forward_length',
      'phi3.block_count', 'phi3.attention.head_count', 'phi3.attention.head_count_kv', 'phi3.attention.layer_norm_rms_epsilon',
      'phi3.rope.dimension_count', 'phi3.rope.freq_base', 'general.file_type', 'phi3.attention.sliding_window',
      'general.quantization_version', 'tokenizer.ggml.model',
    ]);
    assert.equal(value(s, 'phi3.rope.scaling.original_context_length'), 128);
    assert.equal(value(s, 'phi3.attention.sliding_window'), 262144);
  });

  test('rope factor tensors first; fused qkv and gate_up kept', () => {
    assert.deepEqual(s.tensors.slice(0, 2).map((t) => [t.name, t.shape, t.type]), [
      ['rope_factors_long.weight', [8], 0], ['rope_factors_short.weight', [8], 0],
    ]);
    assert.deepEqual(s.tensors.find((t) => t.name === 'blk.0.attn_qkv.weight')!.shape, [64, 128]);
    assert.deepEqual(s.tensors.find((t) => t.name === 'blk.0.ffn_up.weight')!.shape, [64, 256]);
  });

  test('padding tokens score -10000; added tokens are control tokens', () => {
    const tokens = items(s, 'tokenizer.ggml.tokens');
    assert.deepEqual([tokens[276], tokens[277], tokens[278]], ['<|endoftext|>', '<|assistant|>', '[PAD278]']);
    assert.deepEqual(items(s, 'tokenizer.ggml.scores').slice(276), [-1000, -1000, -10000]);
    assert.deepEqual(items(s, 'tokenizer.ggml.token_type').slice(276), [3, 3, 5]);
  });
});

/** float32 → float16 bits, round to nearest even (test values are normal) */
function toHalfBits(x: number): number {
  const b = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 112;
  const mant = b & 0x7fffff;
  let h = (exp << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
}
