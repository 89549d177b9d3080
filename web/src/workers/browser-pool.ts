// The kernel pool in the browser: one module Web Worker per slot, comlink over postMessage.
import { wrap, transfer, releaseProxy } from 'comlink';
import { createPool, type KernelPool } from '../core/engine/pool.ts';
import type { KernelWorkerApi } from '../core/engine/convert-task.ts';
import { WorkerDeath } from './worker-death.ts';

export function createBrowserPool(wasm: WebAssembly.Module, size = navigator.hardwareConcurrency || 2): KernelPool {
  return createPool(size, async () => {
    const worker = new Worker(new URL('./browser-kernel-worker.ts', import.meta.url), { type: 'module', name: 'quantsmith-kernels' });
    const api = wrap<KernelWorkerApi>(worker);
    const death = new WorkerDeath();
    worker.addEventListener('error', (e) => death.died(new Error(`kernel worker failed: ${e.message}`)));
    await death.guard(api.init(wasm));
    return {
      convert: (task) => death.guard(api.convert(transfer(task, [task.src.buffer as ArrayBuffer]))),
      terminate: () => {
        api[releaseProxy]();
        worker.terminate();
      },
    };
  });
}
