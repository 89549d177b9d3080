// Rope scaling in the evaluator against llama.cpp in the same run: YaRN (Qwen3, Qwen2 and Llama, with the
// correction range falling on different dimensions, positions past the original context, and the yarn_* keys
// the converter writes but llama.cpp's graphs for these architectures ignore) and Phi-3's LongRoPE in both of
// llama.cpp's regimes: long factors when the context per sequence (n_ctx padded to 256) exceeds the original
// context, short ones otherwise. Logits with llama_decode, perplexity with llama-perplexity's bookkeeping, and
// the KL divergence of a Q4_0 from llama.cpp's own logits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openHfModel } from '../../web/src/core/formats/hf/index.ts';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { GgufValueType as V, type GgufKV } from '../../web/src/core/formats/gguf/model.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { kldFigures } from '../../web/src/core/eval/eval-figures.ts';
import { runEvaluation } from '../../web/src/core/eval/eval-run.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import { llamaConfig, type ModelTensorInfo } from '../../web/src/core/eval/llama-config.ts';
import { compressLogProbs, kldToken } from '../../web/src/core/eval/token-scores.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { openNodeFolder } from '../../web/src/io/node-folder.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import { writeSyntheticFolder, type SynthSpec } from '../fixtures/hf/synthetic-folder.ts';
import { SYNTHETIC_SPECS } from '../fixtures/hf/synthetic-specs.ts';
import { writeSourceAsGguf } from '../fixtures/hf/write-gguf.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { checkLogits } from '../helpers/logit-comparison.ts';
import { CLI_BIN, scratchDir } from '../helpers/paths.ts';
import { oracleLogits, oracleTokenizeFile, perplexity } from './perplexity.ts';

const dir = scratchDir('quantsmith-eval-rope-');
let group: EvalWorkerGroup | undefined;
after(() => group?.terminate());

// the F16 bounds of eval-architectures.test.ts (measured here: max |Δ| 0.002–0.004, rms 5–7e-4). Breaking one
// rule on purpose moved some case far outside them: no YaRN mix 0.38–1.3, no YaRN magnitude 0.13–0.85, the
// ramp by dimension instead of pair 0.37–0.73, beta_fast 16 0.045, no padding of n_ctx 0.33–0.54, always
// long factors 0.46, no Phi-3 attention factor 0.18–0.31.
const F16_LIMITS = { maxAbs: 0.02, rms: 0.002, nllDiff: 2e-3, sameTop: 0.97 };
const N = 32;
const tokensFor = (nVocab: number) => new Int32Array(N).map((_, i) => (i * 7919 + 13) % nVocab);

const phi3 = SYNTHETIC_SPECS['synth-phi3'];
const withConfig = (spec: SynthSpec, config: Record<string, unknown>, dtype = spec.dtype): SynthSpec =>
  ({ ...spec, dtype, config: { ...spec.config, ...config } });
const longrope = (n: number, origCtx: number) => ({
  original_max_position_embeddings: origCtx,
  rope_scaling: {
    type: 'longrope',
    long_factor: Array.from({ length: n }, (_, i) => 1.5 + i * 0.61),
    short_factor: Array.from({ length: n }, (_, i) => 1 + i * 0.23),
  },
});

/** Folders by name: the spec, and what it exercises. */
const FOLDERS: Record<string, SynthSpec> = {
  // factor 4, original context 64: the ramp covers dimension pairs 0–2 of 8 (base 1e6)
  'synth-qwen3': SYNTHETIC_SPECS['synth-qwen3'],
  // positions past an original context of 16; attention_factor and beta_* are written as yarn_* keys, which llama.cpp's qwen2 ignores
  'qwen2-yarn': withConfig(SYNTHETIC_SPECS['synth-qwen2'], {
    rope_scaling: { rope_type: 'yarn', factor: 2.5, original_max_position_embeddings: 16, attention_factor: 0.8, beta_fast: 8.0, beta_slow: 2.0 },
  }, 'F16'),
  // adjacent-pair rope, base 1e4, original context 4096: the ramp covers pairs 2–6
  'llama-yarn': withConfig(SYNTHETIC_SPECS['synth-llama'], { rope_scaling: { rope_type: 'yarn', factor: 8.0, original_max_position_embeddings: 4096 } }),
  // original context 128 < 256: long factors; attention factor sqrt(1 + ln 8 / ln 128)
  'phi3-long': withConfig(phi3, longrope(8, 128)),
  // original context 256, not exceeded by a context of 256: short factors (attention factor from 1024/256)
  'phi3-short': withConfig(phi3, longrope(8, 256)),
  // a quarter of each head rotated (Phi-4-mini rotates three quarters), long factors
  'phi3-partial': withConfig(phi3, { ...longrope(2, 128), partial_rotary_factor: 0.25 }),
};

const converted = new Map<string, Promise<string>>();
/** The folder converted to a GGUF by Quantsmith (once), with metadata values replaced or added. */
function gguf(name: string, overrides: GgufKV[] = []): Promise<string> {
  const key = `${name}/${JSON.stringify(overrides)}`;
  let p = converted.get(key);
  if (!p) {
    p = (async () => {
      const folder = join(dir, name);
      writeSyntheticFolder(folder, FOLDERS[name]);
      const source = await openHfModel(await openNodeFolder(folder));
      const path = join(dir, `${name}-${converted.size}.gguf`);
      try {
        const metadata = source.metadata.filter((kv) => !overrides.some((o) => o.key === kv.key)).concat(overrides);
        await writeSourceAsGguf({ ...source, metadata } as ModelSource, path);
      } finally {
        await source.close();
      }
      return path;
    })();
    converted.set(key, p);
  }
  return p;
}

async function withModel<T>(path: string, f: (m: { metadata: readonly GgufKV[]; tensors: readonly ModelTensorInfo[] }) => T): Promise<T> {
  const model = await openGgufModel(await openNodeFile(path));
  try {
    return f(model);
  } finally {
    await model.close();
  }
}

for (const name of Object.keys(FOLDERS)) {
  test(`${name}: logits agree with llama.cpp's`, async () => {
    const path = await gguf(name);
    const nVocab = await withModel(path, (m) => llamaConfig(m, path).nVocab);
    await checkLogits(path, tokensFor(nVocab), F16_LIMITS);
  });
}

test('phi3: LongRoPE settings as llama.cpp reads them (no scaling type, original context, attention factor)', async () => {
  const long = await withModel(await gguf('phi3-long'), (m) => llamaConfig(m, 'phi3-long').ropeScaling);
  const short = await withModel(await gguf('phi3-short'), (m) => llamaConfig(m, 'phi3-short').ropeScaling);
  assert.deepEqual([long.type, long.nCtxOrig, long.extFactor], ['linear', 128, 0]);
  assert.equal(short.nCtxOrig, 256);
  assert.ok(Math.abs(long.attnFactor - Math.sqrt(1 + Math.log(8) / Math.log(128))) < 1e-6, `attention factor ${long.attnFactor}`);
});

const TEXT = join(dir, 'text.txt');
writeFileSync(TEXT, 'def f(x):\n    return x + 1  # the 2nd of 12 tests\n'.repeat(80));

// `quantsmith perplexity` on the Hugging Face folder (our converter, tokenizer and worker threads) against
// llama-perplexity's figure on the converted file; at -c 300 llama.cpp's context per sequence is 512, past
// phi3-short's original 256, so its long factors apply.
for (const [name, nCtx] of [['phi3-short', 256], ['phi3-short', 300], ['synth-qwen3', 64]] as const) {
  test(`${name} at -c ${nCtx}: perplexity matches llama-perplexity's to 4 significant digits`, async () => {
    const path = await gguf(name);
    const r = spawnSync(process.execPath, [CLI_BIN, 'perplexity', '-m', join(dir, name), '-f', TEXT, '-c', String(nCtx), '--chunks', '3'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ours = Number(/PPL = ([0-9.]+)/.exec(r.stdout + r.stderr)?.[1]);
    const ref = perplexity(path, TEXT, nCtx, { maxChunks: 3, threads: 1 });
    assert.equal(ref.chunks, 3);
    assert.ok(Math.abs(ours - ref.ppl) / ref.ppl < 5e-5, `perplexity ${ours}, llama.cpp ${ref.ppl}`);
  });
}

test('phi3 LongRoPE, long regime: KL divergence of Q4_0 from F16 within 2% of the one from llama.cpp\'s logits', async () => {
  const base = await gguf('phi3-short');
  const q = join(dir, 'phi3-short-Q4_0.gguf');
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', base, '-o', q, '-t', 'Q4_0'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const nCtx = 300;
  const chunks = 2;
  const tokens = oracleTokenizeFile(base, TEXT);
  const models = [
    { label: 'f16', source: await openGgufModel(await openNodeFile(base)) },
    { label: 'q4_0', source: await openGgufModel(await openNodeFile(q)) },
  ];
  group ??= await startNodeEvalWorkers(await evalWasmModule(), 2);
  const run = await runEvaluation(models, tokens, { nCtx, maxChunks: chunks, workers: group.workers, mode: { kind: 'kld' } });
  for (const m of models) await m.source.close();
  const ours = kldFigures(run.scores, 1);

  const { nVocab, bosToken, addBos } = await withModel(base, (m) => llamaConfig(m, base));
  const compressed = { scale: 0, minLogProb: 0, q: new Uint16Array(nVocab) };
  let sum = 0;
  let count = 0;
  for (let c = 0; c < chunks; c++) {
    const chunk = tokens.slice(c * nCtx, (c + 1) * nCtx);
    if (addBos) chunk[0] = bosToken; // as llama-perplexity puts it
    const lb = oracleLogits(base, chunk);
    const lq = oracleLogits(q, chunk);
    for (let p = nCtx / 2; p < nCtx - 1; p++) {
      compressLogProbs(lb, p * nVocab, nVocab, compressed);
      sum += kldToken(lq, p * nVocab, nVocab, compressed, chunk[p + 1]).kld;
      count++;
    }
  }
  assert.equal(ours.count, count);
  const ref = sum / count;
  assert.ok(ref > 1e-4, `a KL divergence worth comparing (${ref})`);
  assert.ok(Math.abs(ours.meanKld - ref) / ref < 0.02, `mean KLD ${ours.meanKld} vs llama.cpp's logits ${ref}`);
});

test('rope settings llama.cpp refuses are refused by name, in one line', async () => {
  const refusal = (re: RegExp) => (e: unknown) => e instanceof QuantsmithError && !e.message.includes('\n') && re.test(e.message);
  const str = (key: string, value: string): GgufKV => ({ key, type: V.STRING, value });
  const dynamic = await gguf('synth-qwen3', [str('qwen3.rope.scaling.type', 'dynamic')]);
  await assert.rejects(withModel(dynamic, (m) => llamaConfig(m, 'q')), refusal(/^q: rope scaling 'dynamic' is not supported/));
  // factor tensors a graph does not read: llama.cpp fails to load such a file
  const extra = (m: { metadata: readonly GgufKV[]; tensors: readonly ModelTensorInfo[] }, name: string) =>
    llamaConfig({ metadata: m.metadata, tensors: [...m.tensors, { name, shape: [8], type: 0 }] }, 'x');
  await assert.rejects(withModel(await gguf('synth-qwen3'), (m) => extra(m, 'rope_freqs.weight')), refusal(/'rope_freqs\.weight' is not used by llama\.cpp's qwen3 graph/));
  await assert.rejects(withModel(await gguf('phi3-long'), (m) => extra(m, 'rope_freqs.weight')), refusal(/'rope_freqs\.weight' is not used by llama\.cpp's phi3 graph/));
  await assert.rejects(withModel(await gguf('llama-yarn'), (m) => extra(m, 'rope_factors_long.weight')),
    refusal(/'rope_factors_long\.weight' is not used by llama\.cpp's llama graph with rope scaling 'yarn'/));
});
