// The benchmark page: the app's engine with nothing around it. The model is the File the driver put in
// the page's file input (read through BlobSource, as the app reads a dropped file); workers are real
// module Web Workers (createBrowserPool); the output goes to the origin private file system through the
// same writable sink the app uses for files it writes. An importance matrix, when asked for, is the File on
// the second input, read as the app reads one. The output's SHA-256 is computed afterwards, outside the time,
// from the committed file (hash-wasm, as the app's hash worker uses).
import { createSHA256 } from 'hash-wasm';
import { openGgufModel } from '../../../web/src/core/engine/gguf-source.ts';
import { readImatrix } from '../../../web/src/core/imatrix/read-imatrix.ts';
import { runJob } from '../../../web/src/core/engine/run-job.ts';
import { DEFAULT_SLAB_BYTES, slabsOf } from '../../../web/src/core/engine/chunking.ts';
import { tensorRows } from '../../../web/src/core/engine/model-source.ts';
import { KERNELS_WASM_URL } from '../../../web/src/core/kernels/wasm-url.ts';
import { BlobSource } from '../../../web/src/io/blob-source.ts';
import { writableSink } from '../../../web/src/io/browser-sinks.ts';
import { createBrowserPool } from '../../../web/src/workers/browser-pool.ts';
import type { BenchPageApi, PageRun } from './api.ts';

const OUTPUT_NAME = 'bench-output.gguf';

let kernels: Promise<WebAssembly.Module> | undefined;

function inputFile(id: 'model' | 'imatrix'): File {
  const file = (document.getElementById(id) as HTMLInputElement).files?.[0];
  if (!file) throw new Error(`no ${id} file was set on the page`);
  return file;
}
const modelFile = () => inputFile('model');

async function removeOutput(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(OUTPUT_NAME).catch(() => {});
}

const api: BenchPageApi = {
  async loadKernels() {
    kernels ??= WebAssembly.compileStreaming(fetch(KERNELS_WASM_URL));
    await kernels;
  },

  /** From opening the file to the committed output; the WASM was compiled beforehand (loadKernels). */
  async quantize(ftype: string, threads: number, imatrixPath?: string): Promise<PageRun> {
    const module = await kernels!;
    const file = modelFile();
    await removeOutput();
    const started = performance.now();
    const source = await openGgufModel(new BlobSource(file));
    const pool = createBrowserPool(module, threads);
    let done = false;
    try {
      const imatrix = imatrixPath === undefined ? {} : { imatrixFile: imatrixPath, imatrix: await readImatrix(new BlobSource(inputFile('imatrix'))) };
      const root = await navigator.storage.getDirectory();
      const sink = await writableSink(await root.getFileHandle(OUTPUT_NAME, { create: true }));
      const result = await runJob(source, [{ options: { ftype, ...imatrix }, sink }], pool);
      const seconds = (performance.now() - started) / 1000;
      const written = await (await root.getFileHandle(OUTPUT_NAME)).getFile();
      done = true;
      return { seconds, sourceBytes: file.size, outputBytes: written.size, plannedBytes: result.outputs[0].size };
    } finally {
      pool.close();
      await source.close();
      if (!done) await removeOutput();
    }
  },

  async outputSha256(): Promise<string> {
    const root = await navigator.storage.getDirectory();
    try {
      const file = await (await root.getFileHandle(OUTPUT_NAME)).getFile();
      const hasher = await createSHA256();
      const reader = file.stream().getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hasher.update(chunk.value);
      return hasher.digest('hex');
    } finally {
      await removeOutput();
    }
  },

  /** The same reads as a job (same ByteSource, same slabs, same order), nothing else. */
  async readOnly(): Promise<PageRun> {
    const file = modelFile();
    const started = performance.now();
    const source = await openGgufModel(new BlobSource(file));
    try {
      for (const tensor of source.tensors) {
        const rows = tensorRows(tensor.shape);
        for (const { firstRow, rowCount } of slabsOf(rows, tensor.byteLength / rows, DEFAULT_SLAB_BYTES)) {
          await tensor.readRows(firstRow, rowCount);
        }
      }
      return { seconds: (performance.now() - started) / 1000, sourceBytes: file.size, outputBytes: 0, plannedBytes: 0 };
    } finally {
      await source.close();
    }
  },
};

(globalThis as unknown as { quantsmithBench: BenchPageApi }).quantsmithBench = api;
document.getElementById('log')!.textContent = 'ready';
