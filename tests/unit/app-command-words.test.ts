import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandWords } from '../../web/src/app/run/command-words.ts';
import { llamaCppCommands } from '../../web/src/app/run/command-lines.ts';
import { DEFAULT_PRESET } from '../../web/src/app/presets/preset.ts';

test('quoted words with spaces and escaped quotes stay one word', () => {
  assert.deepEqual(commandWords(`llama-quantize --override-kv 'general.name=str:Bob'\\''s model' in.gguf out.gguf Q4_K_M`), [
    ['llama-quantize', '--override-kv', `'general.name=str:Bob'\\''s model'`, 'in.gguf', 'out.gguf', 'Q4_K_M'],
  ]);
});

test('joining the words of every line gives the command text back', () => {
  const text = llamaCppCommands('my model/', 'out Q8.gguf', 'Q8_0', {
    ...DEFAULT_PRESET, types: ['Q8_0'], leaveOutputTensor: false, pure: true, allowRequantize: false,
    tensorTypes: [{ pattern: 'blk\\.0\\..*', type: 'q8_0' }], kvOverrides: ["general.name=str:it's"],
  }, 'f16');
  const lines = commandWords(text);
  assert.equal(lines.length, 2);
  assert.equal(lines.map((words) => words.join(' ')).join('\n'), text);
});
