// Property-based tests of every reader of untrusted input (tests/helpers/reader-properties.ts: GGUF,
// safetensors, config.json, tokenizer files, preset links), run in a worker thread this test watches: a case
// that does not end within the bound (a synchronous loop no timer inside the worker could interrupt) ends
// the worker and fails; so does a heap past a fixed limit (an allocation sized from a declared count), which
// would otherwise kill the whole test process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { CASE_MS } from '../helpers/property.ts';

/** old-generation heap of the worker: a small model's files and fast-check's inputs fit many times over */
const WORKER_HEAP_MB = 512;
const EXPECTED = ['GGUF reader', 'safetensors header', 'config.json', 'tokenizer.model', 'tokenizer_config.json', 'tokenizer.json of a BPE model', 'preset links'];

test('every reader of untrusted input: success or a named one-line error, no hang, bounded heap', async () => {
  const passed: string[] = [];
  const failures: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('../helpers/property-worker-boot.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let current = '(loading)';
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (m: { kind: string; name?: string; message?: string }) => {
      if (m.kind === 'start') {
        clearTimeout(timer);
        // the bound inside the worker, with room for a slow shared machine
        timer = setTimeout(() => finish(new Error(`${current}: a case ran past ${CASE_MS * 2} ms without ending (a hang)`)), CASE_MS * 2);
      } else if (m.kind === 'end') clearTimeout(timer);
      else if (m.kind === 'property') current = m.name!;
      else if (m.kind === 'passed') passed.push(m.name!);
      else if (m.kind === 'failed') failures.push(`${m.name}: ${m.message}`);
      else if (m.kind === 'done') finish();
    });
    worker.on('error', (e) => finish(new Error(`${current}: the worker died: ${e.message} ${(e as NodeJS.ErrnoException).code ?? ''}`)));
    worker.on('exit', (code) => finish(new Error(`${current}: the worker exited (code ${code}) before the properties ended`)));
  });
  assert.deepEqual(failures, []);
  for (const name of EXPECTED) assert.ok(passed.some((p) => p.startsWith(name)), `${name} ran and passed`);
});
