// The evaluator's workers in the browser: one module Web Worker per slot, comlink over postMessage.
import { wrap, releaseProxy } from 'comlink';
import type { EvalWorkerApi, EvalWorkerGroup } from '../core/eval/eval-worker-api.ts';
import { evalGroup, type StartedEvalWorker } from './eval-group.ts';
import { WorkerDeath } from './worker-death.ts';

export async function startBrowserEvalWorkers(wasm: WebAssembly.Module, size = navigator.hardwareConcurrency || 2): Promise<EvalWorkerGroup> {
  const started: StartedEvalWorker[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./browser-eval-worker.ts', import.meta.url), { type: 'module', name: 'quantsmith-eval' });
      const api = wrap<EvalWorkerApi>(worker);
      const death = new WorkerDeath();
      worker.addEventListener('error', (e) => death.died(new Error(`evaluator worker failed: ${e.message}`)));
      started.push({ api, death, terminate: () => { api[releaseProxy](); worker.terminate(); } });
    }
    await Promise.all(started.map((w) => w.death.guard(w.api.init(wasm))));
    return evalGroup(started);
  } catch (e) {
    for (const w of started) w.terminate();
    throw e;
  }
}
