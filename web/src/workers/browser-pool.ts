// The kernel pool in the browser: one module Web Worker per slot, comlink over postMessage.
import { wrap, transfer, releaseProxy } from 'comlink';
import { createPool, type KernelPool } from '../core/engine/pool.ts';
import type { KernelWorkerApi } from './convert-task.ts';

export function createBrowserPool(wasm: WebAssembly.Module, size = navigator.hardwareConcurrency || 2): KernelPool {
  return createPool(size, async () => {
    const worker = new Worker(new URL('./browser-kernel-worker.ts', import.meta.url), { type: 'module', name: 'quantsmith-kernels' });
    const api = wrap<KernelWorkerApi>(worker);
    const died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (e) => reject(new Error(`kernel worker failed: ${e.message}`)));
    });
    died.catch(() => {});
    await Promise.race([api.init(wasm), died]);
    return {
      convert: (task) => Promise.race([api.convert(transfer(task, [task.src.buffer as ArrayBuffer])), died]),
      terminate: () => {
        api[releaseProxy]();
        worker.terminate();
      },
    };
  });
}
