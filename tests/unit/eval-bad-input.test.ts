// The evaluator's refusals, each one line naming the problem: a text too short for one chunk, a binary or
// non-UTF-8 text, models that cannot be compared (architecture, vocabulary, shapes), an architecture it
// does not support, a broken tensor table, tokens outside the vocabulary; and a cancelled run, in-process
// and on real worker threads, which stops instead of finishing or hanging.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CancelledError, QuantsmithError } from '../../web/src/core/errors.ts';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { decodeEvalText } from '../../web/src/core/eval/eval-text.ts';
import { checkModels, makeChunks, runEvaluation, type EvalModel } from '../../web/src/core/eval/eval-run.ts';
import { inProcessEvalWorker } from '../../web/src/core/eval/in-process-worker.ts';
import { llamaConfig } from '../../web/src/core/eval/llama-config.ts';
import { WasmBackend } from '../../web/src/core/eval/wasm-backend.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import { STANDARD_SYNTHETIC_SPECS, syntheticMetadata, syntheticTensors, writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';
import { evalWasmModule } from '../helpers/eval.ts';

const dir = scratchDir('quantsmith-eval-bad-');
const spec = (id: string) => STANDARD_SYNTHETIC_SPECS.find((s) => s.id === id)!;
const opened: EvalModel[] = [];
let group: EvalWorkerGroup | undefined;
after(async () => {
  group?.terminate();
  for (const m of opened) await m.source.close();
});

async function model(id: string): Promise<EvalModel> {
  const path = join(dir, `${id}.gguf`);
  writeSyntheticModel(path, spec(id));
  const m = { label: `${id}.gguf`, source: await openGgufModel(await openNodeFile(path)) };
  opened.push(m);
  return m;
}

const oneLine = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof QuantsmithError, String(e));
  assert.ok(!e.message.includes('\n'), e.message);
  assert.match(e.message, re);
  return true;
};

test('a text too short for one chunk: says how many tokens it has and needs', async () => {
  const m = await model('llama-mha-f32');
  const config = llamaConfig(m.source, m.label);
  assert.throws(() => makeChunks(new Int32Array(300), 256, config), oneLine(/300 tokens, at least 512 are needed for n_ctx 256/));
  assert.equal(makeChunks(new Int32Array(512), 256, config).length, 2);
});

test('a binary file or a non-UTF-8 text is refused by name', () => {
  assert.throws(() => decodeEvalText(new Uint8Array([0x47, 0x47, 0x55, 0x46, 0, 1]), 'model.gguf'), oneLine(/model\.gguf is not a text file: .*NUL byte at offset 4/));
  assert.throws(() => decodeEvalText(new Uint8Array([0x61, 0xff, 0x62]), 'latin1.txt'), oneLine(/latin1\.txt is not UTF-8 text/));
  assert.equal(decodeEvalText(new TextEncoder().encode('déjà vu\n'), 't.txt'), 'déjà vu'); // one trailing newline dropped, as llama.cpp's -f
});

test('an architecture the evaluator does not support is refused by name', async () => {
  const s = spec('qwen2-f16');
  const tensors = syntheticTensors(s);
  for (const arch of ['starcoder2', 'mamba']) {
    const metadata = syntheticMetadata(s).map((kv) => (kv.key === 'general.architecture' ? { ...kv, value: arch } : kv));
    assert.throws(() => llamaConfig({ metadata, tensors }, `${arch}.gguf`),
      oneLine(new RegExp(`${arch}\\.gguf: the evaluator does not support architecture '${arch}' \\(supported: llama, qwen2, qwen3, phi3, gemma2, gemma3\\)`)));
  }
  assert.throws(() => checkModels([]), oneLine(/no model/));
  const moe = await model('llama-moe-f16');
  assert.throws(() => checkModels([moe]), oneLine(/mixture-of-experts/));
});

test('models that cannot be compared: vocabulary, shapes', async () => {
  const a = await model('llama-gqa-8l-f16'); // vocab 512
  const b = await model('llama-12l-bf16'); // vocab 256
  assert.throws(() => checkModels([a, b]), oneLine(/llama-12l-bf16\.gguf cannot be compared with llama-gqa-8l-f16\.gguf: vocabulary of 256 tokens differs from 512/));
  const c = await model('llama-mha-f32'); // 2 layers, feed-forward 512
  const d = await model('llama-ff704-f16'); // 2 layers, feed-forward 704
  assert.throws(() => checkModels([c, d]), oneLine(/: KV head count 2 differs from 4|feed-forward length 704 differs from 512/));
});

test('a tensor of the wrong shape or a missing one is named', () => {
  const s = spec('llama-mha-f32');
  const metadata = syntheticMetadata(s);
  const tensors = syntheticTensors(s);
  const bad = tensors.map((t) => (t.name === 'blk.1.attn_q.weight' ? { ...t, shape: [256, 128] } : t));
  assert.throws(() => llamaConfig({ metadata, tensors: bad }, 'bad.gguf'), oneLine(/bad\.gguf: tensor 'blk\.1\.attn_q\.weight' has shape \[256, 128\], expected \[256, 256\]/));
  const missing = tensors.filter((t) => t.name !== 'blk.0.ffn_down.weight');
  assert.throws(() => llamaConfig({ metadata, tensors: missing }, 'bad.gguf'), oneLine(/tensor 'blk\.0\.ffn_down\.weight' is missing/));
});

test('tokens outside the vocabulary are refused before any work', async () => {
  const m = await model('llama-mha-f32');
  const tokens = new Int32Array(64).fill(5);
  tokens[40] = 512;
  const worker = inProcessEvalWorker(await WasmBackend.create(await evalWasmModule()));
  await assert.rejects(runEvaluation([m], tokens, { nCtx: 16, workers: [worker], mode: { kind: 'perplexity' } }), oneLine(/token 512 is outside the vocabulary of 512/));
});

test('a cancelled run stops with CancelledError (in-process)', async () => {
  const m = await model('llama-gqa-8l-f16');
  const worker = inProcessEvalWorker(await WasmBackend.create(await evalWasmModule()));
  const abort = new AbortController();
  let blocksSeen = 0;
  await assert.rejects(
    runEvaluation([m], new Int32Array(256).fill(7), {
      nCtx: 32, workers: [worker], mode: { kind: 'perplexity' }, signal: abort.signal,
      onProgress: (p) => {
        if (p.what.startsWith('block')) blocksSeen++;
        if (blocksSeen === 2) abort.abort();
      },
    }),
    CancelledError,
  );
  assert.equal(blocksSeen, 2, 'no block starts after the cancel');
});

test('terminating the worker threads mid-run rejects the run instead of hanging', async () => {
  const m = await model('llama-gqa-8l-f16');
  group = await startNodeEvalWorkers(await evalWasmModule(), 2);
  const g = group;
  const run = runEvaluation([m], new Int32Array(512).fill(7), {
    nCtx: 64, workers: g.workers, mode: { kind: 'perplexity' },
    onProgress: (p) => {
      if (p.what.startsWith('block 3/')) g.terminate();
    },
  });
  await assert.rejects(run, /terminated|exited/);
});
