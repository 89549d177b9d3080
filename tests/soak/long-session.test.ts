// Twenty jobs in a row in one process, on one pool, keep memory flat: nothing a job made (its slabs, its
// outputs, its progress) is still held once it is done. Each job writes a ~9 MB output, so keeping even one
// buffer per job would grow memory by hundreds of megabytes over the session, far past the noise bound.
// The same for twenty `quantsmith quantize` commands through the CLI's own entry (main) in one process:
// its pools, kernel module, sinks and listeners are let go after each command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runJob } from '../../web/src/core/engine/run-job.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../../web/src/io/node-wasm.ts';
import { createNodePool } from '../../web/src/workers/node-pool.ts';
import { main } from '../../web/src/cli/main.ts';
import { writeSyntheticModel } from '../fixtures/synthetic-models.ts';
import { scratchDir } from '../helpers/paths.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MIB = 1024 * 1024;

test('20 jobs in a row in one process keep a flat memory', { timeout: 180_000 }, async () => {
  const dir = scratchDir();
  const input = join(dir, 'model-f16.gguf');
  // ~17 MB of F16 weights
  writeSyntheticModel(input, { id: 'soak', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 512, nHead: 8, nHeadKv: 4, nFf: 768, nVocab: 4096, seed: 5 });
  const pool = createNodePool(await loadWasmModuleFromDisk(), 2);
  const readings: number[] = [];
  try {
    for (let job = 0; job < 20; job++) {
      const source = await openGgufModel(await openNodeFile(input));
      const out = join(dir, `out-${job}.gguf`);
      let progressCalls = 0;
      await runJob(source, [{ options: { ftype: 'Q8_0' }, sink: await createNodeFileSink(out) }], pool, { onProgress: () => progressCalls++ });
      await source.close();
      rmSync(out);
      assert.ok(progressCalls > 0);
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
      const m = process.memoryUsage();
      readings.push(m.rss);
      if (job === 19) {
        assert.ok(m.arrayBuffers < 64 * MIB, `buffers still held after the last job: ${(m.arrayBuffers / MIB).toFixed(1)} MiB`);
      }
    }
  } finally {
    pool.close();
  }
  // the first jobs warm up (workers, WASM heaps, allocator pools); after that nothing may accumulate
  const settled = Math.max(...readings.slice(3, 6));
  const last = Math.max(...readings.slice(-3));
  const mib = readings.map((r) => (r / MIB).toFixed(0)).join(' ');
  assert.ok(last - settled < 48 * MIB, `resident memory grew from ${(settled / MIB).toFixed(0)} to ${(last / MIB).toFixed(0)} MiB over the session: ${mib}`);
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

test('20 quantize commands in a row in one CLI process keep a flat memory', { timeout: 180_000 }, async () => {
  const dir = scratchDir();
  const input = join(dir, 'model-f16.gguf');
  writeSyntheticModel(input, { id: 'soak', arch: 'llama', dtype: 'f16', nLayer: 4, nEmbd: 512, nHead: 8, nHeadKv: 4, nFf: 768, nVocab: 4096, seed: 5 });
  const readings: number[] = [];
  /** stdout's error listeners after each command (the stream adds and drops some of its own) */
  const listeners: number[] = [];
  for (let job = 0; job < 20; job++) {
    const out = join(dir, `cli-out-${job}.gguf`);
    assert.equal(await main(['quantize', input, '-o', out, '-t', 'Q8_0', '--threads', '2']), 0);
    rmSync(out);
    listeners.push(process.stdout.listenerCount('error'));
    gc();
    // the pool's worker threads end after the command returns
    await new Promise((r) => setTimeout(r, 100));
    gc();
    readings.push(process.memoryUsage().rss);
  }
  const settled = median(readings.slice(3, 9));
  const last = median(readings.slice(-6));
  const mib = readings.map((r) => (r / MIB).toFixed(0)).join(' ');
  assert.ok(last - settled < 48 * MIB, `resident memory grew from ${(settled / MIB).toFixed(0)} to ${(last / MIB).toFixed(0)} MiB over the session: ${mib}`);
  assert.ok(process.memoryUsage().arrayBuffers < 64 * MIB, 'no output buffer is still held');
  // the stream's own listeners come and go with its pending writes (4 or 5 under the test runner's pipe);
  // one left behind per command would climb by twenty
  assert.ok(Math.max(...listeners.slice(-5)) <= Math.max(...listeners.slice(0, 5)), `a command leaves a listener on stdout behind: ${listeners.join(' ')}`);
});
