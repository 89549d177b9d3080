// A pool of kernel workers, each with its own WASM instance. Tasks go to the first idle worker; buffers are
// transferred both ways. cancel() terminates every worker at once (the only way to stop a running kernel
// promptly) and rejects what was pending; workers are spawned again on the next task.
import { CancelledError } from '../errors.ts';
import type { ConvertResult, ConvertTask } from './convert-task.ts';

/** A started worker, as the platform (Web Worker or worker_threads) provides it. */
export interface PoolWorker {
  convert(task: ConvertTask): Promise<ConvertResult>;
  terminate(): void;
}

export interface KernelPool {
  readonly size: number;
  convert(task: ConvertTask): Promise<ConvertResult>;
  /** stop every running task now; pending and running promises reject with CancelledError */
  cancel(): void;
  /** terminate the workers for good */
  close(): void;
}

interface Waiting {
  task: ConvertTask;
  resolve(r: ConvertResult): void;
  reject(e: unknown): void;
}

export function createPool(size: number, spawn: () => Promise<PoolWorker>): KernelPool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
  let generation = 0;
  let idle: Promise<PoolWorker>[] = [];
  let spawned = 0;
  const running = new Map<Promise<PoolWorker>, Waiting>();
  const queue: Waiting[] = [];
  let closed = false;

  function pump(): void {
    while (queue.length > 0) {
      let worker = idle.pop();
      if (!worker && spawned < size) {
        spawned++;
        worker = spawn();
        worker.catch(() => {}); // reported through the task that awaits it
      }
      if (!worker) return;
      run(worker, queue.shift()!);
    }
  }

  function run(worker: Promise<PoolWorker>, job: Waiting): void {
    const gen = generation;
    running.set(worker, job);
    worker
      .then((w) => w.convert(job.task))
      .then(
        (result) => {
          if (gen !== generation) return; // cancelled meanwhile; already rejected
          running.delete(worker);
          idle.push(worker);
          job.resolve(result);
          pump();
        },
        (err) => {
          if (gen !== generation) return;
          running.delete(worker);
          // a failed worker is not reused: replace it lazily
          spawned--;
          void worker.then((w) => w.terminate(), () => {});
          job.reject(err);
          pump();
        },
      );
  }

  function terminateAll(): void {
    generation++;
    const all = [...idle, ...running.keys()];
    for (const w of all) void w.then((x) => x.terminate(), () => {});
    const pending = [...running.values(), ...queue];
    idle = [];
    running.clear();
    queue.length = 0;
    spawned = 0;
    for (const job of pending) job.reject(new CancelledError());
  }

  return {
    size,
    convert(task) {
      if (closed) return Promise.reject(new Error('the worker pool is closed'));
      return new Promise<ConvertResult>((resolve, reject) => {
        queue.push({ task, resolve, reject });
        pump();
      });
    },
    cancel: terminateAll,
    close() {
      closed = true;
      terminateAll();
    },
  };
}
