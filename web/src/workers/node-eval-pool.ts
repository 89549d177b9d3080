// The evaluator's workers in Node: one worker thread per slot, each with its own WASM instance.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { EvalWorkerApi, EvalWorkerGroup } from '../core/eval/eval-worker-api.ts';
import { evalGroup, type StartedEvalWorker } from './eval-group.ts';
import { WorkerDeath } from './worker-death.ts';

export async function startNodeEvalWorkers(wasm: WebAssembly.Module, size = availableParallelism()): Promise<EvalWorkerGroup> {
  const started: StartedEvalWorker[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const thread = new Worker(new URL('./node-eval-worker-boot.mjs', import.meta.url));
      thread.unref();
      const api = wrap<EvalWorkerApi>(nodeEndpoint(thread));
      const death = new WorkerDeath();
      thread.once('error', (e) => death.died(e));
      thread.once('exit', (code) => death.died(new Error(`evaluator worker exited with code ${code}`)));
      started.push({ api, death, terminate: () => void thread.terminate() });
    }
    await Promise.all(started.map((w) => w.death.guard(w.api.init(wasm))));
    return evalGroup(started);
  } catch (e) {
    for (const w of started) w.terminate();
    throw e;
  }
}
