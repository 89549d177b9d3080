// Layer importance (ShortGPT's Block Influence), checked by hand: a block whose two output projections are
// zero leaves every token state as it came, so its influence is exactly 0 and it ranks first to prune;
// pruning it gives an output with no divergence at all from the source, which the evaluator accepts as
// comparable although it is one block shallower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { influenceSum, layerImportance, leastInfluential } from '../../web/src/core/eval/block-influence.ts';
import { runEvaluation, type EvalModel } from '../../web/src/core/eval/eval-run.ts';
import { kldFigures } from '../../web/src/core/eval/eval-figures.ts';
import { inProcessEvalWorker } from '../../web/src/core/eval/in-process-worker.ts';
import { WasmBackend } from '../../web/src/core/eval/wasm-backend.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { writeGgufFile } from '../fixtures/gguf-file.ts';
import { encodeValues, randomValues, syntheticMetadata, syntheticTensors, type SyntheticModelSpec } from '../fixtures/synthetic-models.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { scratchDir } from '../helpers/paths.ts';

const dir = scratchDir('quantsmith-layers-');
const spec: SyntheticModelSpec = { id: 'llama-5l', arch: 'llama', dtype: 'f32', nLayer: 5, nEmbd: 64, nHead: 4, nHeadKv: 2, nFf: 128, nVocab: 256, seed: 11 };
const IDLE = 2;
const source = join(dir, 'idle-block.gguf');
{
  const tensors = syntheticTensors(spec);
  writeGgufFile(source, { metadata: syntheticMetadata(spec), tensors }, (name, n) => {
    const i = tensors.findIndex((t) => t.name === name);
    if (name === `blk.${IDLE}.attn_output.weight` || name === `blk.${IDLE}.ffn_down.weight`) return new Uint8Array(n);
    return encodeValues(randomValues(tensors[i], 7919 * i + 1), tensors[i].type);
  });
}
const tokens = Int32Array.from({ length: 96 }, (_, i) => (i * 97 + 13) % spec.nVocab);

async function open(path: string): Promise<EvalModel> {
  return { label: path.split('/').at(-1)!, source: await openGgufModel(await openNodeFile(path)) };
}

test('1 − cos of hand-picked states', () => {
  const x = Float32Array.of(1, 0, 3, 4, 1, 1);
  assert.equal(influenceSum(x, Float32Array.of(0, 2, 6, 8, -1, -1), 2, 0, 3), 1 + 0 + 2);
  const ranked = layerImportance([{ layer: 0, sum: 3, count: 10 }, { layer: 1, sum: 1, count: 10 }, { layer: 0, sum: 1, count: 10 }], 2);
  assert.deepEqual(ranked, [{ layer: 0, influence: 0.2, rank: 2 }, { layer: 1, influence: 0.1, rank: 1 }]);
  assert.deepEqual(leastInfluential(ranked, 1), [1]);
});

test('a block that changes nothing has influence 0 and is the first to prune; every other block scores > 0', async () => {
  const m = await open(source);
  try {
    const backend = await WasmBackend.create(await evalWasmModule());
    // two workers: the per-block parts of their chunks are added up
    const workers = [inProcessEvalWorker(backend), inProcessEvalWorker(await WasmBackend.create(await evalWasmModule()))];
    const r = await runEvaluation([m], tokens, { nCtx: 16, workers, mode: { kind: 'perplexity' }, influence: true });
    assert.equal(r.layers?.length, spec.nLayer);
    assert.equal(r.scores.length, 6, 'the perplexity of the same pass is there too');
    const idle = r.layers![IDLE];
    assert.ok(Math.abs(idle.influence) < 1e-12, `idle block: ${idle.influence}`);
    assert.equal(idle.rank, 1);
    for (const b of r.layers!) if (b.layer !== IDLE) assert.ok(b.influence > 1e-4 && b.influence <= 2, `block ${b.layer}: ${b.influence}`);
    assert.deepEqual([...r.layers!].map((b) => b.rank).sort(), [1, 2, 3, 4, 5]);
  } finally {
    await m.source.close();
  }
});

test('the output pruned of that block is compared with its source: KL divergence 0, same top token everywhere', async () => {
  const pruned = join(dir, 'pruned.gguf');
  await quantizeWithEngine(source, [{ options: { ftype: 'COPY', pruneLayers: [IDLE] }, path: pruned }]);
  const [a, b] = [await open(source), await open(pruned)];
  try {
    const workers = [inProcessEvalWorker(await WasmBackend.create(await evalWasmModule()))];
    const r = await runEvaluation([a, b], tokens, { nCtx: 16, workers, mode: { kind: 'kld' } });
    assert.equal(r.configs[1].nLayer, spec.nLayer - 1);
    const k = kldFigures(r.scores, 1);
    assert.ok(Math.abs(k.meanKld) < 1e-6, `mean KLD ${k.meanKld}`);
    assert.equal(k.sameTop, 1);
    // the other way round it is not a pruning: more blocks than the "source" is still a shape mismatch
    await assert.rejects(runEvaluation([b, a], tokens, { nCtx: 16, workers, mode: { kind: 'kld' } }), /block count 5 is more than the source's 4/);
  } finally {
    await a.source.close();
    await b.source.close();
  }
});
