// Layer importance against llama.cpp: llama_decode runs the shared model on chunks of the held-out text with
// an evaluation callback (cb_eval) that hands over each block's input and output states ("embd",
// "l_out-N" in llama.cpp's graph); this test computes 1 − cos over the scored positions from those states
// itself. Quantsmith's streamed pass must give the same influence per block, and so the same ranking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runEvaluation } from '../../web/src/core/eval/eval-run.ts';
import { inProcessEvalWorker } from '../../web/src/core/eval/in-process-worker.ts';
import { WasmBackend } from '../../web/src/core/eval/wasm-backend.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { SHARED_F16_GGUF, SHARED_MODEL_DIR } from '../helpers/paths.ts';
import { oracleLogits, oracleTokenizeFile } from './perplexity.ts';

const N_CTX = 256;
const CHUNKS = 2;

/** llama.cpp's states of one chunk: block i's input is states[i] (states[0] = embeddings), its output states[i + 1]. */
function llamaStates(tokens: Int32Array, nLayer: number): Float32Array[] {
  const states: Float32Array[] = [];
  const index = (name: string) => (name === 'embd' ? 0 : /^l_out-(\d+)$/.exec(name) ? Number(name.slice(6)) + 1 : -1);
  oracleLogits(SHARED_F16_GGUF, tokens, 1, {
    wants: (name) => index(name) >= 0,
    seen: (name, data, ne0, rows) => {
      assert.equal(rows, tokens.length, `${name}: one row per token`);
      assert.equal(ne0, 256);
      states[index(name)] = data;
    },
  });
  assert.equal(states.filter(Boolean).length, nLayer + 1, 'every block seen');
  return states;
}

test('Block Influence of each block of the shared model equals 1 − cos of llama.cpp\'s own states', async () => {
  const all = oracleTokenizeFile(SHARED_F16_GGUF, join(SHARED_MODEL_DIR, 'heldout.txt'));
  const tokens = all.slice(0, CHUNKS * N_CTX);
  const model = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  let ours;
  try {
    const workers = [inProcessEvalWorker(await WasmBackend.create(await evalWasmModule()))];
    ours = await runEvaluation([{ label: 'F16', source: model }], tokens, { nCtx: N_CTX, workers, mode: { kind: 'perplexity' }, influence: true });
  } finally {
    await model.close();
  }
  const nLayer = ours.layers!.length;
  const sums = new Float64Array(nLayer);
  let count = 0;
  for (let c = 0; c < CHUNKS; c++) {
    // llama-perplexity's chunk: BOS in place of its first token
    const chunk = tokens.slice(c * N_CTX, (c + 1) * N_CTX);
    chunk[0] = 1;
    const states = llamaStates(chunk, nLayer);
    for (let t = N_CTX / 2; t < N_CTX - 1; t++) {
      for (let l = 0; l < nLayer; l++) {
        const x = states[l].subarray(t * 256, (t + 1) * 256);
        const y = states[l + 1].subarray(t * 256, (t + 1) * 256);
        let dot = 0, xx = 0, yy = 0;
        x.forEach((v, j) => ((dot += v * y[j]), (xx += v * v), (yy += y[j] * y[j])));
        sums[l] += 1 - dot / Math.sqrt(xx * yy);
      }
      count++;
    }
  }
  const theirs = Array.from(sums, (s) => s / count);
  for (let l = 0; l < nLayer; l++) {
    const a = ours.layers![l].influence;
    assert.ok(Math.abs(a - theirs[l]) <= 1e-4 * theirs[l], `block ${l}: ours ${a}, llama.cpp's states ${theirs[l]}`);
  }
  const rank = (v: number[]) => v.map((x, l) => ({ x, l })).sort((p, q) => p.x - q.x).map((p) => p.l);
  assert.deepEqual(rank(ours.layers!.map((b) => b.influence)), rank(theirs), 'same ranking');
});
