// The app's "Compute importance matrix": the file it saves is the one `quantsmith imatrix` writes for the
// same text and chunks (whose figures are held to llama-imatrix's by the oracle tests), the quantizer takes
// it, and a cancelled computation leaves no file under the final name.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import type { EvalWorkerGroup } from '../../web/src/core/eval/eval-worker-api.ts';
import { CancelledError } from '../../web/src/core/errors.ts';
import { readImatrix } from '../../web/src/core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { startNodeEvalWorkers } from '../../web/src/workers/node-eval-pool.ts';
import { computeImatrix, imatrixFileName, saveImatrix } from '../../web/src/app/quality/imatrix-compute.ts';
import { evalWasmModule } from '../helpers/eval.ts';
import { CLI_BIN, SHARED_F16_GGUF, SHARED_MODEL_DIR, scratchDir } from '../helpers/paths.ts';

const dir = scratchDir('quantsmith-app-imatrix-');
let group: EvalWorkerGroup | undefined;
after(() => group?.terminate());
const workers = async () => (group ??= await startNodeEvalWorkers(await evalWasmModule(), 2)).workers;
const text = readFileSync(join(SHARED_MODEL_DIR, 'calibration.txt'), 'utf8').replace(/\n$/, '');

test('the saved importance matrix is byte for byte what `quantsmith imatrix` writes, and reads back', async () => {
  assert.equal(imatrixFileName('pydoc-llama-5m-F16.gguf'), 'pydoc-llama-5m-F16.imatrix.gguf');
  const source = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  const matrix = await computeImatrix(source, { textName: 'calibration.txt', text, chunks: 4, workers: await workers() });
  await source.close();
  const ours = join(dir, imatrixFileName(source.name));
  await saveImatrix(matrix, await createNodeFileSink(ours));

  const cliOut = join(dir, 'cli.imatrix.gguf');
  const r = spawnSync(process.execPath, [CLI_BIN, 'imatrix', '-m', SHARED_F16_GGUF, '-f', 'calibration.txt', '-c', '256', '--chunks', '4', '-o', cliOut], { encoding: 'utf8', cwd: SHARED_MODEL_DIR });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(ours).equals(readFileSync(cliOut)), 'the same file as the CLI writes');
  const file = await openNodeFile(ours);
  const back = await readImatrix(file);
  await file.close();
  assert.equal(back.chunkCount, 4);
  assert.equal(back.chunkSize, 256);
  assert.deepEqual(back.datasets, ['calibration.txt']);
  assert.equal(back.entries.length, 4 * 7, 'every matrix of the 4 blocks');
});

test('cancelled or failed: no file under the final name', async () => {
  const source = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  const abort = new AbortController();
  await assert.rejects(
    computeImatrix(source, { textName: 'calibration.txt', text, chunks: 4, workers: await workers(), signal: abort.signal, onProgress: (p) => p.done > 0 && abort.abort() }),
    (e) => e instanceof CancelledError,
  );
  await assert.rejects(computeImatrix(source, { textName: 'tiny.txt', text: 'x', chunks: 1, workers: await workers() }), /^QuantsmithError: tiny\.txt is too short/);
  await source.close();

  const target = join(dir, 'failed.imatrix.gguf');
  const sink = await createNodeFileSink(target);
  const failing = { write: async () => { throw new Error('disk full'); }, commit: () => sink.commit(), abort: () => sink.abort() };
  await assert.rejects(saveImatrix({ format: 'gguf', datasets: ['t'], chunkCount: 1, chunkSize: 256, entries: [] }, failing), /disk full/);
  assert.equal(existsSync(target), false);
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('failed')), [], 'no temporary file left either');
});
