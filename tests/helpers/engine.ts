// Runs Quantsmith's engine the way the CLI does (real files, real worker threads), for the oracle tests.
import { after } from 'node:test';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runJob, type RunOptions } from '../../web/src/core/engine/run-job.ts';
import type { KernelPool } from '../../web/src/core/engine/pool.ts';
import type { JobResult } from '../../web/src/core/engine/api.ts';
import type { QuantizeOptions } from '../../web/src/core/quant/options.ts';
import { openNodeFile } from '../../web/src/io/node-file.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../../web/src/io/node-wasm.ts';
import { createNodePool } from '../../web/src/workers/node-pool.ts';

let shared: KernelPool | undefined;
// registered when a test file imports this helper, so it runs after that file's last test
after(() => shared?.close());

/** One pool of two worker threads for the whole test file, closed after its last test. */
export async function testPool(): Promise<KernelPool> {
  if (!shared) {
    shared = createNodePool(await loadWasmModuleFromDisk(), 2);
  }
  return shared;
}

export async function quantizeWithEngine(
  input: string,
  outputs: readonly { options: QuantizeOptions; path: string }[],
  run: RunOptions = {},
): Promise<JobResult> {
  const source = await openGgufModel(await openNodeFile(input));
  try {
    const requests = await Promise.all(outputs.map(async (o) => ({ options: o.options, sink: await createNodeFileSink(o.path) })));
    return await runJob(source, requests, await testPool(), run);
  } finally {
    await source.close();
  }
}
