// The converter's model naming (gguf-py Metadata.get_model_id_components, id_to_title, size_label): expected
// values as gguf-py itself computes them for these ids and parameter counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idToTitle, modelIdComponents, sizeLabel } from '../../web/src/core/formats/hf/model-id.ts';

test('model ids split into name, organization, basename, finetune, version and size label', () => {
  const cases: [string, number, (string | undefined)[]][] = [
    ['meta-llama/Meta-Llama-3.1-8B-Instruct', 8030261248, ['Meta-Llama-3.1-8B-Instruct', 'meta-llama', 'Meta-Llama-3.1', 'Instruct', undefined, '8B']],
    ['Qwen/Qwen2.5-0.5B-Instruct', 494032768, ['Qwen2.5-0.5B-Instruct', 'Qwen', 'Qwen2.5', 'Instruct', undefined, '0.5B']],
    ['mistralai/Mistral-7B-v0.3', 7248023552, ['Mistral-7B-v0.3', 'mistralai', 'Mistral', undefined, 'v0.3', '7B']],
    ['google/gemma-2-2b-it', 2614341888, ['gemma-2-2b-it', 'google', 'gemma-2', 'it', undefined, '2B']],
    ['TinyLlama/TinyLlama-1.1B-Chat-v1.0', 1100048384, ['TinyLlama-1.1B-Chat-v1.0', 'TinyLlama', 'TinyLlama', 'Chat', 'v1.0', '1.1B']],
    ['HuggingFaceTB/SmolLM2-135M-Instruct', 134515008, ['SmolLM2-135M-Instruct', 'HuggingFaceTB', 'SmolLM2', 'Instruct', undefined, '135M']],
    ['microsoft/Phi-3-mini-4k-instruct', 3821079552, ['Phi-3-mini-4k-instruct', 'microsoft', 'Phi-3', '4k-instruct', undefined, 'mini']],
    ['bigscience/bloom-7b1', 7069016064, ['bloom-7b1', 'bigscience', 'bloom', undefined, undefined, '7.1B']],
    ['pydoc-llama-5m', 5242880, ['pydoc-llama-5m', undefined, 'pydoc-llama', undefined, undefined, '5M']],
    ['./models/foo-13B', 0, ['models/foo-13B', undefined, 'models/foo', undefined, undefined, '13B']],
    ['some model name', 100, ['some model name', undefined, undefined, undefined, undefined, undefined]],
    ['Mixtral-8x7B-v0.1', 46702792704, ['Mixtral-8x7B-v0.1', undefined, 'Mixtral', undefined, 'v0.1', '8x7B']],
    ['llama-2-7b-chat-q4_0', 6738415616, ['llama-2-7b-chat-q4_0', undefined, 'llama-2', 'chat', undefined, '7B']],
    ['model-small-v2', 1000, ['model-small-v2', undefined, 'model', undefined, 'v2', 'small']],
    ['x-large', 0, ['x-large', undefined, 'x', undefined, undefined, 'large']],
  ];
  for (const [id, params, want] of cases) {
    const c = modelIdComponents(id, params);
    assert.deepEqual([c.fullName, c.organization, c.basename, c.finetune, c.version, c.sizeLabel], want, id);
  }
});

test('size labels: two significant digits, halves to even', () => {
  const cases: [number, string][] = [
    [109376, '109K'], [5242880, '5.2M'], [1235814400, '1.2B'], [8030261248, '8.0B'], [494032768, '494M'], [999, '1.0K'],
    [125, '0.12K'], [135000000, '135M'], [1500, '1.5K'], [999999, '1000K'], [1000001, '1.0M'], [1e12 + 1, '1.0T'], [12345678901234, '12T'],
  ];
  for (const [n, label] of cases) assert.equal(sizeLabel(n), label, String(n));
});

test('titles: lower-case words capitalized, acronyms and versions kept', () => {
  const cases: [string, string][] = [
    ['pydoc-llama-5m', 'Pydoc Llama 5m'], ['Meta-Llama-3.1-8B-Instruct', 'Meta Llama 3.1 8B Instruct'], ['gemma-2-2b-it', 'Gemma 2 2b It'],
    ['SmolLM2-135M', 'SmolLM2 135M'], ['qwen2.5-coder', 'Qwen2.5 Coder'], ["o'neil-v2.0-GPT", "O'Neil v2.0 GPT"], ['  a--b  c ', 'A B C'],
  ];
  for (const [id, title] of cases) assert.equal(idToTitle(id), title, id);
});
