// The kernel pool in the browser: one module Web Worker per slot, comlink over postMessage.
import { wrap, transfer, releaseProxy } from 'comlink';
import { createPool, type KernelPool } from '../core/engine/pool.ts';
import { taskTransfers, type KernelWorkerApi } from '../core/engine/convert-task.ts';
import { restoredError } from './worker-errors.ts';
import { WorkerCrashedError } from '../core/errors.ts';
import { WorkerDeath } from './worker-death.ts';
import { watchLifeLock, watchStart } from './worker-life-lock.ts';

export function createBrowserPool(wasm: WebAssembly.Module, size = navigator.hardwareConcurrency || 2): KernelPool {
  return createPool(size, async () => {
    // the name is unique so that the worker's life lock (worker-life-lock.ts) is its own
    const name = `quantsmith-kernels-${crypto.randomUUID()}`;
    const worker = new Worker(new URL('./browser-kernel-worker.ts', import.meta.url), { type: 'module', name });
    const api = wrap<KernelWorkerApi>(worker);
    const death = new WorkerDeath();
    worker.addEventListener('error', (e) => death.died(new WorkerCrashedError(e.message || 'an error in the worker')));
    const starting = new AbortController();
    try {
      await Promise.race([death.guard(api.init(wasm)), watchStart(name, starting.signal, (why) => new WorkerCrashedError(why))]);
    } catch (e) {
      worker.terminate();
      throw e;
    } finally {
      starting.abort();
    }
    const ours = new AbortController();
    watchLifeLock(name, ours.signal, () => death.died(new WorkerCrashedError('the worker ended')));
    return {
      convert: (task) => death.guard(api.convert(transfer(task, taskTransfers(task)))).catch((e: unknown) => Promise.reject(restoredError(e))),
      terminate: () => {
        ours.abort();
        api[releaseProxy]();
        worker.terminate();
      },
    };
  });
}
