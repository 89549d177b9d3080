// The command lines the results show, and the default output names: what a user would paste into a shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { llamaCppCommands, llamaQuantizeCommand, quantsmithCommand, shellQuote } from '../../web/src/app/run/command-lines.ts';
import { modelBaseName, outputFileName } from '../../web/src/app/run/output-names.ts';
import { DEFAULT_PRESET, type Preset } from '../../web/src/app/presets/preset.ts';

const plain: Preset = { ...DEFAULT_PRESET, types: ['Q4_K_M'], leaveOutputTensor: false, pure: false, allowRequantize: false, tensorTypes: [], kvOverrides: [] };
const everything: Preset = {
  ...DEFAULT_PRESET,
  types: ['Q4_K_M'],
  outputTensorType: 'q6_K',
  tokenEmbeddingType: 'q8_0',
  leaveOutputTensor: true,
  pure: true,
  allowRequantize: true,
  tensorTypes: [{ pattern: 'blk\\.0\\..*|ffn_down', type: 'q8_0' }],
  kvOverrides: ["general.name=str:Bob's model"],
};

test('plain options give the shortest command lines', () => {
  assert.equal(quantsmithCommand('m-F16.gguf', 'm-Q4_K_M.gguf', 'Q4_K_M', plain), 'npx quantsmith quantize m-F16.gguf -o m-Q4_K_M.gguf -t Q4_K_M');
  assert.equal(llamaQuantizeCommand('m-F16.gguf', 'm-Q4_K_M.gguf', 'Q4_K_M', plain), 'llama-quantize m-F16.gguf m-Q4_K_M.gguf Q4_K_M');
});

test('every option appears with llama-quantize names, quoted for the shell', () => {
  const ours = quantsmithCommand('my model.gguf', 'out.gguf', 'Q4_K_M', everything);
  assert.equal(
    ours,
    "npx quantsmith quantize 'my model.gguf' -o out.gguf -t Q4_K_M --allow-requantize --leave-output-tensor --pure " +
      "--output-tensor-type q6_K --token-embedding-type q8_0 --tensor-type 'blk\\.0\\..*|ffn_down=q8_0' " +
      "--override-kv 'general.name=str:Bob'\\''s model'",
  );
  const llama = llamaQuantizeCommand('my model.gguf', 'out.gguf', 'Q4_K_M', everything);
  assert.ok(llama.startsWith('llama-quantize --allow-requantize --leave-output-tensor --pure --output-tensor-type q6_K'));
  assert.ok(llama.endsWith(" 'my model.gguf' out.gguf Q4_K_M"));
});

test('shell quoting leaves plain words alone and survives quotes', () => {
  assert.equal(shellQuote('model-Q4_K_M.gguf'), 'model-Q4_K_M.gguf');
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.equal(shellQuote('$(rm -rf /)'), "'$(rm -rf /)'");
});

test('output names follow llama.cpp: the float suffix gives way to the type', () => {
  assert.equal(outputFileName('pydoc-llama-5m-F16.gguf', 'Q4_K_M'), 'pydoc-llama-5m-Q4_K_M.gguf');
  assert.equal(outputFileName('Model.BF16.GGUF', 'Q8_0'), 'Model-Q8_0.gguf');
  assert.equal(outputFileName('tiny.gguf', 'Q8_0'), 'tiny-Q8_0.gguf');
  assert.equal(modelBaseName('f16.gguf'), 'f16');
  assert.equal(outputFileName('pydoc-llama-5m-F16-00001-of-00002.gguf', 'Q8_0'), 'pydoc-llama-5m-Q8_0.gguf', 'a split input names its output without the shard number');
});

test('for a Hugging Face folder, llama.cpp needs its converter first', () => {
  const lines = llamaCppCommands('models/pydoc-llama-5m', 'out-Q8_0.gguf', 'Q8_0', plain, 'f16');
  assert.equal(
    lines,
    'python convert_hf_to_gguf.py models/pydoc-llama-5m --outtype f16 --outfile pydoc-llama-5m-F16.gguf\n' +
      'llama-quantize pydoc-llama-5m-F16.gguf out-Q8_0.gguf Q8_0',
  );
  assert.equal(llamaCppCommands('m.gguf', 'o.gguf', 'Q8_0', plain), 'llama-quantize m.gguf o.gguf Q8_0', 'a GGUF needs one step');
});
