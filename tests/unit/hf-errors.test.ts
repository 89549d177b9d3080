// Every missing or malformed piece of a Hugging Face folder is refused by openHfModel itself, before any tensor
// data is read, with a one-line QuantsmithError that names what is wrong.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { encodeSafetensors } from '../fixtures/hf/safetensors-writer.ts';
import { writeSyntheticFolder, type SynthSpec } from '../fixtures/hf/synthetic-folder.ts';

let work: string;
let count = 0;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'qs-hf-errors-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A fresh synthetic folder, changed by `edit`. */
function folder(spec: SynthSpec, edit: (dir: string) => void = () => {}): string {
  const dir = join(work, `case-${++count}`);
  writeSyntheticFolder(dir, spec);
  edit(dir);
  return dir;
}

const LLAMA: SynthSpec = { arch: 'llama', dtype: 'F16', tokenizer: 'spm' };

function editJson(dir: string, file: string, change: (j: Record<string, unknown>) => void): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(path, JSON.stringify(json));
}

async function refused(dir: string, message: RegExp): Promise<void> {
  await assert.rejects(openHfModel(await openNodeFolder(dir)), (e: unknown) => {
    assert.ok(e instanceof QuantsmithError, `not a QuantsmithError: ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'the message is one line');
    assert.match(e.message, message);
    return true;
  });
}

test('config.json missing, not JSON, not an object, or naming no architecture', async () => {
  await refused(folder(LLAMA, (d) => unlinkSync(join(d, 'config.json'))), /config\.json is missing/);
  await refused(folder(LLAMA, (d) => writeFileSync(join(d, 'config.json'), '{"architectures": [')), /config\.json is not valid JSON/);
  await refused(folder(LLAMA, (d) => writeFileSync(join(d, 'config.json'), '[]')), /config\.json must hold a JSON object/);
  await refused(folder(LLAMA, (d) => editJson(d, 'config.json', (c) => { delete c.architectures; })), /names no model architecture/);
});

test('an architecture that is not supported, named with the supported ones', async () => {
  await refused(folder(LLAMA, (d) => editJson(d, 'config.json', (c) => { c.architectures = ['GPTNeoXForCausalLM']; })),
    /architecture 'GPTNeoXForCausalLM' is not supported \(supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM, Phi3ForCausalLM\)/);
});

test('hyperparameters the converter needs', async () => {
  await refused(folder(LLAMA, (d) => editJson(d, 'config.json', (c) => { delete c.num_hidden_layers; })), /none of n_layers, num_hidden_layers, n_layer, num_layers/);
  await refused(folder(LLAMA, (d) => editJson(d, 'config.json', (c) => { delete c.num_key_value_heads; })), /none of n_kv_heads, num_key_value_heads/);
  await refused(folder({ arch: 'gemma2', dtype: 'F16', tokenizer: 'spm' }, (d) => editJson(d, 'config.json', (c) => { delete c.head_dim; })),
    /config\.json has no "head_dim"/);
  await refused(folder(LLAMA, (d) => editJson(d, 'config.json', (c) => { c.num_attention_heads = 3; })), /64 rows cannot be split into 3 heads/);
});

test('a shard named in the index but absent', async () => {
  await refused(folder({ ...LLAMA, shards: 3 }, (d) => unlinkSync(join(d, 'model-00002-of-00003.safetensors'))),
    /shard model-00002-of-00003\.safetensors named in model\.safetensors\.index\.json is missing/);
});

test('an index without a weight map, or one that disagrees with the shards', async () => {
  await refused(folder({ ...LLAMA, shards: 2 }, (d) => editJson(d, 'model.safetensors.index.json', (j) => { delete j.weight_map; })),
    /has no "weight_map" object/);
  await refused(folder({ ...LLAMA, shards: 2 }, (d) => editJson(d, 'model.safetensors.index.json', (j) => {
    (j.weight_map as Record<string, string>)['model.layers.9.mlp.up_proj.weight'] = 'model-00001-of-00002.safetensors';
  })), /incomplete model files model-00001-of-00002\.safetensors: tensors 'model\.layers\.9\.mlp\.up_proj\.weight'/);
  await refused(folder({ ...LLAMA, shards: 2 }, (d) => editJson(d, 'model.safetensors.index.json', (j) => {
    delete (j.weight_map as Record<string, string>)['model.norm.weight'];
  })), /disagree: not in the index 'model\.norm\.weight'/);
});

test('no safetensors weights, or PyTorch ones', async () => {
  await refused(folder(LLAMA, (d) => unlinkSync(join(d, 'model.safetensors'))), /no model\*\.safetensors weights found/);
  await refused(folder(LLAMA, (d) => {
    unlinkSync(join(d, 'model.safetensors'));
    writeFileSync(join(d, 'pytorch_model.bin'), 'x');
  }), /PyTorch \.bin files; only \.safetensors weights can be read/);
});

test('a broken safetensors file is named', async () => {
  await refused(folder(LLAMA, (d) => writeFileSync(join(d, 'model.safetensors'), 'not safetensors at all')),
    /^model\.safetensors: safetensors header length \d+ runs past the end/);
});

test('tensors the converter cannot take', async () => {
  const extra = (name: string, dtype: 'F16' | 'I32' = 'F16') => (d: string) => writeFileSync(join(d, 'model-extra.safetensors'),
    encodeSafetensors([{ name, dtype, shape: [4, 4], data: new Uint8Array(dtype === 'I32' ? 64 : 32) }]));
  await refused(folder(LLAMA, extra('model.layers.0.mlp.router.weight')), /cannot map tensor 'model\.layers\.0\.mlp\.router\.weight'/);
  await refused(folder(LLAMA, extra('model.layers.7.mlp.up_proj.weight')), /cannot map tensor 'model\.layers\.7\.mlp\.up_proj\.weight'/);
  await refused(folder(LLAMA, extra('model.layers.0.mlp.scale', 'I32')), /tensor 'model\.layers\.0\.mlp\.scale' is stored as I32/);
});

test('no tokenizer, or a broken one', async () => {
  await refused(folder(LLAMA, (d) => unlinkSync(join(d, 'tokenizer.model'))), /no tokenizer found \(neither tokenizer\.model nor tokenizer\.json\)/);
  await refused(folder(LLAMA, (d) => writeFileSync(join(d, 'tokenizer.model'), new Uint8Array([0x0a, 0x05, 0x0a]))),
    /tokenizer\.model: protobuf field runs past the end/);
  await refused(folder({ arch: 'gemma2', dtype: 'F16', tokenizer: 'spm' }, (d) => unlinkSync(join(d, 'tokenizer.model'))),
    /tokenizer\.model is missing \(Gemma 2 needs its SentencePiece tokenizer\)/);
  await refused(folder({ arch: 'phi3', dtype: 'F16', tokenizer: 'spm' }, (d) => editJson(d, 'tokenizer_config.json', (c) => { delete c.tokenizer_class; })),
    /tokenizer_config\.json has no tokenizer_class/);
});

test('a BPE pre-tokenizer the converter does not know, with its check hash', async () => {
  await refused(folder({ arch: 'qwen2', dtype: 'F16', tokenizer: 'gpt2' }, (d) => editJson(d, 'tokenizer.json', (t) => {
    t.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  })), /BPE pre-tokenizer of tokenizer\.json is not one llama\.cpp's converter recognizes \(chkhsh [0-9a-f]{64}\)/);
});

test('token ids past config.json\'s vocab_size', async () => {
  await refused(folder({ arch: 'qwen2', dtype: 'F16', tokenizer: 'gpt2' }, (d) => editJson(d, 'config.json', (c) => { c.vocab_size = 50000; })),
    /tokenizer\.json has token id 50256, past config\.json's vocab_size 50000/);
});
