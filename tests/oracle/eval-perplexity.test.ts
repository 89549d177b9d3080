// The evaluator's perplexity and KL divergence against llama.cpp's, on 2 worker threads: the same chunks
// scored by llama.cpp's own perplexity bookkeeping (the koffi oracle), the KL divergence of a quantized
// model from F16 computed from llama.cpp's logits, and the full held-out figure of the model README.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { kldFigures, perplexityFigure } from '../../web/src/core/eval/eval-figures.ts';
import { runEvaluation, type EvalModel } from '../../web/src/core/eval/eval-run.ts';
import { compressLogProbs, kldToken } from '../../web/src/core/eval/token-scores.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { oracleLogits, oracleTokenizeFile, perplexity } from './perplexity.ts';

const HELDOUT = join(SHARED_MODEL_DIR, 'heldout.txt');
const dir = scratchDir('quantsmith-eval-ppl-');
let group: EvalWorkerGroup | undefined;
after(() => group?.terminate());

async function workers() {
  group ??= await startNodeEvalWorkers(await evalWasmModule(), 2);
  return group.workers;
}

let heldout: Int32Array | undefined;
const tokens = () => (heldout ??= oracleTokenizeFile(SHARED_F16_GGUF, HELDOUT));

async function open(path: string): Promise<EvalModel> {
  return { label: path.split('/').pop()!, source: await openGgufModel(await openNodeFile(path)) };
}

function quantize(type: string): string {
  const out = join(dir, `pydoc-${type}.gguf`);
  const r = spawnSync(process.execPath, [CLI_BIN, 'quantize', SHARED_F16_GGUF, '-o', out, '-t', type], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

const sig4 = (x: number) => x.toPrecision(4);

// Q8 activations make each token's figure chaotic at the ~0.005 level on both sides (see eval-logits), so over
// 12 × 127 tokens a quantized model's perplexity can differ from llama.cpp's by a few parts in 10⁴ without
// any systematic error; the whole held-out text averages that away (the README figures).
const TOLERANCE: Record<string, number> = { F16: 1e-4, Q4_K_M: 6e-4 };

for (const type of ['F16', 'Q4_K_M']) {
  test(`perplexity of ${type} on 12 chunks: llama-perplexity's figure within ${TOLERANCE[type]} relative`, async () => {
    const path = type === 'F16' ? SHARED_F16_GGUF : quantize(type);
    const model = await open(path);
    const r = await runEvaluation([model], tokens(), { nCtx: 256, maxChunks: 12, workers: await workers(), mode: { kind: 'perplexity' } });
    await model.source.close();
    const ours = perplexityFigure(r.scores, 0);
    const ref = perplexity(path, HELDOUT, 256, { threads: 1, maxChunks: 12 });
    assert.equal(r.nChunks, 12);
    assert.equal(ours.count, 12 * 127);
    assert.ok(Math.abs(ours.ppl - ref.ppl) / ref.ppl < TOLERANCE[type], `ours ${ours.ppl}, llama.cpp ${ref.ppl}`);
    assert.ok(Math.abs(ours.pplError - ref.pplError) / ref.pplError < 1e-2, `error ${ours.pplError} vs ${ref.pplError}`);
  });
}

test('KL divergence of Q4_K_M from F16 on 6 chunks: within 2% of the one from llama.cpp\'s logits', async () => {
  const q = quantize('Q4_K_M');
  const models = [await open(SHARED_F16_GGUF), await open(q)];
  const r = await runEvaluation(models, tokens(), { nCtx: 256, maxChunks: 6, workers: await workers(), mode: { kind: 'kld' } });
  for (const m of models) await m.source.close();
  const ours = kldFigures(r.scores, 1);

  // the same statistics from llama.cpp's logits for the same chunks
  const nVocab = 4096;
  const base = { scale: 0, minLogProb: 0, q: new Uint16Array(nVocab) };
  let sum = 0;
  let same = 0;
  let count = 0;
  for (let c = 0; c < 6; c++) {
    const chunk = tokens().slice(c * 256, (c + 1) * 256);
    chunk[0] = 1;
    const lb = oracleLogits(SHARED_F16_GGUF, chunk);
    const lq = oracleLogits(q, chunk);
    for (let p = 128; p < 255; p++) {
      compressLogProbs(lb, p * nVocab, nVocab, base);
      const t = kldToken(lq, p * nVocab, nVocab, base, chunk[p + 1]);
      sum += t.kld;
      same += t.sameTop ? 1 : 0;
      count++;
    }
  }
  assert.equal(ours.count, count);
  const refKld = sum / count;
  assert.ok(Math.abs(ours.meanKld - refKld) / refKld < 0.02, `mean KLD ${ours.meanKld} vs llama.cpp's logits ${refKld}`);
  assert.ok(Math.abs(ours.sameTop - same / count) < 0.01, `same top ${ours.sameTop} vs ${same / count}`);
  assert.ok(ours.medianKld > 0 && ours.p99Kld > ours.medianKld && ours.maxKld >= ours.p99Kld);
});

test('the whole held-out text, F16: the model README\'s perplexity to 4 significant digits', async () => {
  const readme = readFileSync(join(SHARED_MODEL_DIR, 'README.md'), 'utf8');
  const expected = Number(/^\| F16 \| \d+ \| (\d+\.\d{4}) \+\/- /m.exec(readme)![1]);
  const model = await open(SHARED_F16_GGUF);
  const r = await runEvaluation([model], tokens(), { nCtx: 256, workers: await workers(), mode: { kind: 'perplexity' } });
  await model.source.close();
  const ours = perplexityFigure(r.scores, 0);
  assert.equal(sig4(ours.ppl), sig4(expected), `ours ${ours.ppl}, README ${expected}`);
  assert.ok(Math.abs(ours.ppl - expected) / expected < 1e-4, `ours ${ours.ppl}, README ${expected}`);
});
