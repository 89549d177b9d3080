// The evaluator's forward pass for each architecture besides Llama, against llama.cpp's llama_decode logits on
// the same file in the same run: GGUFs written by the synthetic-model fixture (qwen2, phi3) and synthetic
// Hugging Face folders converted by Quantsmith's own converter (qwen2, qwen3, phi3/phi4, gemma2, gemma3).
// The Gemma files get a 4-token sliding window (and Gemma 3 a pattern of 2) so that windowed and global
// layers, and the windowed layers' own rope base, all act within the few tokens evaluated. Rope scaling (YaRN,
// Phi-3's LongRoPE) is eval-rope-scaling.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { llamaConfig, type LlamaConfig } from '../../web/src/core/eval/llama-config.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { STANDARD_SYNTHETIC_SPECS, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { writeSyntheticFolder, type SynthSpec } from '../fixtures/hf/synthetic-folder.ts';
import { SYNTHETIC_SPECS } from '../fixtures/hf/synthetic-specs.ts';
import { writeSourceAsGguf } from '../fixtures/hf/write-gguf.ts';
import { checkLogits } from '../helpers/logit-comparison.ts';
import { CLI_BIN, scratchDir } from '../helpers/paths.ts';
import { perplexity } from './perplexity.ts';

const dir = scratchDir('quantsmith-eval-arch-');
const N = 32;
// F16 weights: the bounds eval-logits.test.ts sets for synthetic Llama models (with the next token's −log p
// at 2e-3: these 64-wide models are noisier per position). BF16 weights round the activations to 2^-8
// steps on both sides, which leaves a larger noise floor; a wrong window, rope base or norm moves the
// logits by 0.3–6 (measured by breaking each on purpose).
const LIMITS = {
  F16: { maxAbs: 0.02, rms: 0.002, nllDiff: 2e-3, sameTop: 0.97 },
  BF16: { maxAbs: 0.06, rms: 0.01, nllDiff: 8e-3, sameTop: 0.93 },
};

const tokensFor = (nVocab: number) => new Int32Array(N).map((_, i) => (i * 7919 + 13) % nVocab);

/** Converts a synthetic HF folder to a GGUF, with metadata values replaced or added; returns its path. */
async function fromFolder(name: string, overrides: GgufKV[] = [], spec: SynthSpec = SYNTHETIC_SPECS[name]): Promise<string> {
  const folder = join(dir, name);
  writeSyntheticFolder(folder, spec);
  const source = await openHfModel(await openNodeFolder(folder));
  const path = join(dir, `${name}.gguf`);
  try {
    const metadata = source.metadata.filter((kv) => !overrides.some((o) => o.key === kv.key)).concat(overrides);
    await writeSourceAsGguf({ ...source, metadata } as ModelSource, path);
  } finally {
    await source.close();
  }
  return path;
}

function fromSpec(id: string): { path: string; nVocab: number } {
  const spec = STANDARD_SYNTHETIC_SPECS.find((s) => s.id === id)!;
  const path = join(dir, `${id}.gguf`);
  writeSyntheticModel(path, spec);
  return { path, nVocab: spec.nVocab };
}

const u32 = (key: string, value: number): GgufKV => ({ key, type: V.UINT32, value });

for (const id of ['qwen2-f16']) {
  test(`synthetic ${id}: logits agree with llama.cpp's`, async () => {
    const { path, nVocab } = fromSpec(id);
    await checkLogits(path, tokensFor(nVocab), LIMITS.F16);
  });
}

const window4 = (arch: string): GgufKV => u32(`${arch}.attention.sliding_window`, 4);
const FOLDERS: [string, GgufKV[], SynthSpec?][] = [
  ['synth-qwen2', []], // q/k/v biases, tied output, BF16
  ['synth-qwen3-bpe', []], // per-head q/k norms, GPT-2 vocabulary
  ['synth-phi3-rope', [], { ...SYNTHETIC_SPECS['synth-phi3'], config: { rope_scaling: null } }], // fused qkv and gate/up
  ['synth-phi4', []],
  ['synth-gemma2', [window4('gemma2')]],
  ['synth-gemma2-lm-head', [window4('gemma2')]],
  ['synth-gemma3', [window4('gemma3'), u32('gemma3.attention.sliding_window_pattern', 2)]],
  ['synth-gemma3-f16', [window4('gemma3'), u32('gemma3.attention.sliding_window_pattern', 2)], { ...SYNTHETIC_SPECS['synth-gemma3'], dtype: 'F16' }],
];
for (const [name, overrides, spec] of FOLDERS) {
  test(`${name} (converted by Quantsmith): logits agree with llama.cpp's`, async () => {
    const path = await fromFolder(name, overrides, spec);
    const { config } = await configOf(path);
    await checkLogits(path, tokensFor(config.nVocab), (spec ?? SYNTHETIC_SPECS[name]).dtype === 'BF16' ? LIMITS.BF16 : LIMITS.F16);
  });
}

async function configOf(path: string): Promise<{ config: LlamaConfig }> {
  const model = await openGgufModel(await openNodeFile(path));
  try {
    return { config: llamaConfig(model, path) };
  } finally {
    await model.close();
  }
}

// The whole path a user takes: `quantsmith perplexity` on the Hugging Face folder itself (our tokenizer,
// converter and worker threads), against llama-perplexity's figure on the converted GGUF.
for (const name of ['synth-gemma2', 'synth-phi4']) {
  test(`${name}: perplexity from the folder matches llama.cpp's to 4 significant digits`, async () => {
    const path = await fromFolder(name);
    const text = join(dir, 'text.txt');
    writeFileSync(text, 'def f(x):\n    return x + 1  # the 2nd of 12 tests\n'.repeat(60));
    const r = spawnSync(process.execPath, [CLI_BIN, 'perplexity', '-m', join(dir, name), '-f', text, '-c', '64', '--chunks', '4'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ours = Number(/PPL = ([0-9.]+)/.exec(r.stdout + r.stderr)?.[1]);
    const ref = perplexity(path, text, 64, { maxChunks: 4, threads: 1 });
    assert.equal(ref.chunks, 4);
    assert.ok(Math.abs(ours - ref.ppl) / ref.ppl < 5e-5, `perplexity ${ours}, llama.cpp ${ref.ppl}`);
  });
}
