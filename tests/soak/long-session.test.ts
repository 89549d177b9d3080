// Twenty jobs in a row in one process, on one pool, keep memory flat: nothing a job made (its slabs, its
// outputs, its progress) is still held once it is done. Each job writes a ~9 MB output, so keeping even one
// buffer per job would grow memory by hundreds of megabytes over the session, far past the noise bound.
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
