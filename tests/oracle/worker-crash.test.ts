// A kernel worker that really stops mid-job (its thread ended from outside, as a crash or an out-of-memory
// kill would end it) fails the job with a named error, removes every output, and leaves a pool whose next
// job writes llama.cpp's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { createPool } from '../../web/src/core/engine/pool.ts';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runJob } from '../../web/src/core/engine/run-job.ts';
import { QuantsmithError, WorkerCrashedError } from '../../web/src/core/errors.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../../web/src/io/node-wasm.ts';
import { spawnNodeKernelWorker } from '../../web/src/workers/node-pool.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

oracleQuietLogs();

test('a worker killed mid-job ends the job with a named error and no outputs; the pool then works', async () => {
  const dir = scratchDir();
  const wasm = await loadWasmModuleFromDisk();
  const threads: Worker[] = [];
  const pool = createPool(2, async () => {
    const w = await spawnNodeKernelWorker(wasm);
    threads.push(w.thread);
    return w;
  });
  const source = await openGgufModel(await openNodeFile(SHARED_F16_GGUF));
  try {
    const run = (name: string, onProgress?: () => void) =>
      Promise.all(['Q4_K_M', 'Q8_0'].map(async (ftype) => ({ options: { ftype }, sink: await createNodeFileSink(join(dir, `${name}-${ftype}.gguf`)) })))
        .then((outputs) => runJob(source, outputs, pool, { onProgress, slabBytes: 64 * 1024 }));

    let killed = false;
    const failed = run('first', () => {
      if (!killed && threads.length > 0) {
        killed = true;
        void threads[0].terminate();
      }
    });
    const err = await failed.then(() => undefined, (e: unknown) => e);
    assert.ok(killed, 'the worker was stopped while the job ran');
    assert.ok(err instanceof WorkerCrashedError && err instanceof QuantsmithError, `a named error, not ${err}`);
    assert.match(err.message, /^a kernel worker stopped unexpectedly \(exit code \d+\); the job was stopped and its outputs removed$/);
    assert.deepEqual(readdirSync(dir), [], 'no output and no temporary file is left');

    await run('second');
    const expected = join(dir, 'expected-Q4_K_M.gguf');
    oracleQuantizeFile(SHARED_F16_GGUF, expected, { ftype: 15 });
    assert.ok(readFileSync(join(dir, 'second-Q4_K_M.gguf')).equals(readFileSync(expected)), 'the next job writes llama.cpp bytes');
  } finally {
    await source.close();
    pool.close();
  }
});
