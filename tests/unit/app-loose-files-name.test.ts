import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looseFilesName, nameFromConfig } from '../../web/src/app/model/loose-files-name.ts';

test('a model id names the model, else its model_type; a local path gives its last folder', () => {
  assert.equal(nameFromConfig({ _name_or_path: 'meta-llama/Llama-2-7b-hf', model_type: 'llama' }), 'Llama-2-7b-hf');
  assert.equal(nameFromConfig({ _name_or_path: '/home/me/models/tiny/', model_type: 'llama' }), 'tiny');
  assert.equal(nameFromConfig({ model_type: 'qwen2' }), 'qwen2');
  assert.equal(nameFromConfig({ model_type: '<b>' }), undefined);
  assert.equal(nameFromConfig([]), undefined);
  assert.equal(nameFromConfig(null), undefined);
});

test('loose files are named from their config.json; files from a folder keep the folder’s name', async () => {
  const config = new File([JSON.stringify({ model_type: 'llama' })], 'config.json');
  assert.equal(await looseFilesName([config, new File([], 'model.safetensors')]), 'llama');
  assert.equal(await looseFilesName([new File(['{oops'], 'config.json')]), undefined);
  const inFolder = new File(['{}'], 'config.json');
  Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'my-model/config.json' });
  assert.equal(await looseFilesName([inFolder]), undefined);
});
