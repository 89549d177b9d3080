// Issue #13's goal for the importance matrix: a Q4_K_M / IQ2_XS made with ours within 2% of the KL divergence
// of one made with llama-imatrix's. Ours is computed as the shared one was (calibration.txt, -c 256
// --chunks 64; see the model README), written as a GGUF imatrix file and read back; llama.cpp's quantizer
// (llama_model_quantize, with llama-quantize's load_imatrix) makes each type with each file, and llama.cpp's
// own logits give the mean KL divergence from the F16 source on the first chunks of the held-out text.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runEvaluation } from '../../web/src/core/eval/eval-run.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import type { ImportanceMatrix } from '../../web/src/core/imatrix/imatrix.ts';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { encodeImatrixGguf } from '../../web/src/core/imatrix/write-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import { MemorySource } from '../fixtures/memory-source.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { SHARED_F16_GGUF, SHARED_IMATRIX_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';
import { oracleKlDivergence, type OracleKld } from './kl-divergence.ts';
import { oracleQuantizeFile } from './llama-cpp.ts';
import { toolImatrix } from './llama-quantize-tool.ts';
import { oracleTokenizeFile } from './perplexity.ts';

const dir = scratchDir('quantsmith-imatrix-kld-');
/** held-out chunks of 256 tokens scored (of 376): enough that the two files' figures settle, few enough for ~1 min */
const HELDOUT_CHUNKS = 16;
const TYPES = { Q4_K_M: 15, IQ2_XS: 20 } as const; // llama_ftype
type TypeName = keyof typeof TYPES;
let group: EvalWorkerGroup | undefined;
after(() => group?.terminate());

/** the encoder's pieces as one standalone array */
const joined = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** `quantsmith imatrix -m F16 -f calibration.txt -c 256 --chunks 64`, as the file it writes, read back */
async function ourImatrix(): Promise<ImportanceMatrix> {
  group = await startNodeEvalWorkers(await evalWasmModule(), 2);
  const tokens = oracleTokenizeFile(SHARED_F16_GGUF, join(SHARED_MODEL_DIR, 'calibration.txt'));
  const source = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  try {
    const r = await runEvaluation([{ label: 'F16', source }], tokens, {
      nCtx: 256, maxChunks: 64, workers: group.workers, mode: { kind: 'imatrix', processOutput: false },
    });
    const m: ImportanceMatrix = {
      format: 'gguf', datasets: ['calibration.txt'], chunkCount: r.nChunks, chunkSize: 256,
      entries: r.imatrix!.map((p) => ({ name: p.name, sums: p.sums, counts: Float32Array.of(p.count) })),
    };
    return await readImatrix(new MemorySource(joined(encodeImatrixGguf(m)), 'ours.imatrix.gguf'));
  } finally {
    await source.close();
    group.terminate();
    group = undefined;
  }
}

async function sharedImatrix(): Promise<ImportanceMatrix> {
  const file = await openNodeFile(SHARED_IMATRIX_GGUF);
  try {
    return await readImatrix(file);
  } finally {
    await file.close();
  }
}

/** llama-quantize --imatrix FILE F16 OUT TYPE, through libllama */
function quantize(type: TypeName, m: ImportanceMatrix, fileName: string): string {
  const out = join(dir, `${type}-${fileName}.gguf`);
  const tool = toolImatrix(m, fileName);
  assert.ok(tool.data.length > 0, `${fileName}: no imatrix entries`);
  assert.equal(oracleQuantizeFile(SHARED_F16_GGUF, out, { ftype: TYPES[type], imatrix: tool.data, kvOverrides: tool.kvOverrides }), 0, `${type} with ${fileName}`);
  return out;
}

let figures: Promise<Record<TypeName, { ours: OracleKld; llama: OracleKld }>> | undefined;
function measured() {
  figures ??= (async () => {
    const [ours, shared] = [await ourImatrix(), await sharedImatrix()];
    const types = Object.keys(TYPES) as TypeName[];
    const paths = types.flatMap((t) => [quantize(t, ours, 'ours.imatrix.gguf'), quantize(t, shared, 'pydoc-llama-5m.imatrix.gguf')]);
    const heldout = oracleTokenizeFile(SHARED_F16_GGUF, join(SHARED_MODEL_DIR, 'heldout.txt'));
    const klds = oracleKlDivergence(SHARED_F16_GGUF, paths, heldout, { nCtx: 256, maxChunks: HELDOUT_CHUNKS, bos: 1, nVocab: 4096 });
    return Object.fromEntries(types.map((t, i) => [t, { ours: klds[2 * i], llama: klds[2 * i + 1] }])) as Record<TypeName, { ours: OracleKld; llama: OracleKld }>;
  })();
  return figures;
}

for (const type of Object.keys(TYPES) as TypeName[]) {
  test(`${type} made with our imatrix: mean KL divergence from F16 within 2% of one made with llama-imatrix's`, async (t) => {
    const { ours, llama } = (await measured())[type];
    t.diagnostic(
      `${type}, ${HELDOUT_CHUNKS} held-out chunks: mean KLD ${ours.meanKld.toFixed(6)} (our imatrix) vs ${llama.meanKld.toFixed(6)} (llama-imatrix's), ` +
        `same top ${(100 * ours.sameTop).toFixed(2)}% vs ${(100 * llama.sameTop).toFixed(2)}%`,
    );
    assert.equal(ours.count, HELDOUT_CHUNKS * 127);
    assert.ok(llama.meanKld > 0 && Number.isFinite(ours.meanKld), `${ours.meanKld} / ${llama.meanKld}`);
    const rel = Math.abs(ours.meanKld - llama.meanKld) / llama.meanKld;
    assert.ok(rel < 0.02, `mean KLD ${ours.meanKld} with our imatrix vs ${llama.meanKld} with llama-imatrix's: ${(100 * rel).toFixed(2)}% apart`);
  });
}
