// The kernel pool in Node: one worker thread per slot, comlink over worker_threads.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { wrap, transfer } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createPool, type KernelPool } from '../core/engine/pool.ts';
import type { KernelWorkerApi } from '../core/engine/convert-task.ts';
import { WorkerDeath } from './worker-death.ts';

export function createNodePool(wasm: WebAssembly.Module, size = availableParallelism()): KernelPool {
  return createPool(size, async () => {
    const thread = new Worker(new URL('./node-kernel-worker-boot.mjs', import.meta.url));
    thread.unref();
    const api = wrap<KernelWorkerApi>(nodeEndpoint(thread));
    const death = new WorkerDeath();
    thread.once('error', (e) => death.died(e));
    thread.once('exit', (code) => death.died(new Error(`kernel worker exited with code ${code}`)));
    await death.guard(api.init(wasm));
    return {
      convert: (task) => death.guard(api.convert(transfer(task, [task.src.buffer as ArrayBuffer]))),
      terminate: () => void thread.terminate(),
    };
  });
}
