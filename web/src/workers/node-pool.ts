// The kernel pool in Node: one worker thread per slot, comlink over worker_threads.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { wrap, transfer } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createPool, type KernelPool, type PoolWorker } from '../core/engine/pool.ts';
import { taskTransfers, type KernelWorkerApi } from '../core/engine/convert-task.ts';
import { restoredError } from './worker-errors.ts';
import { WorkerCrashedError } from '../core/errors.ts';
import { WorkerDeath } from './worker-death.ts';

export interface NodeKernelWorker extends PoolWorker {
  /** the thread itself (tests stop it from outside, as a crash would) */
  readonly thread: Worker;
}

/** One kernel worker thread with the kernels instantiated. A thread that exits fails its pending and later calls. */
export async function spawnNodeKernelWorker(wasm: WebAssembly.Module): Promise<NodeKernelWorker> {
  const thread = new Worker(new URL('./node-kernel-worker-boot.mjs', import.meta.url));
  thread.unref();
  const api = wrap<KernelWorkerApi>(nodeEndpoint(thread));
  const death = new WorkerDeath();
  thread.once('error', (e) => death.died(new WorkerCrashedError(e.message)));
  thread.once('exit', (code) => death.died(new WorkerCrashedError(`exit code ${code}`)));
  await death.guard(api.init(wasm));
  return {
    thread,
    convert: (task) => death.guard(api.convert(transfer(task, taskTransfers(task)))).catch((e: unknown) => Promise.reject(restoredError(e))),
    terminate: () => void thread.terminate(),
  };
}

export function createNodePool(wasm: WebAssembly.Module, size = availableParallelism()): KernelPool {
  return createPool(size, () => spawnNodeKernelWorker(wasm));
}
