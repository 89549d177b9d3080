// What runs inside each evaluator worker, the same in a Web Worker and in a Node worker thread: the core
// service on its own WASM instance, with results transferred back rather than copied.
import { transfer } from 'comlink';
import { createEvalService, type EvalService } from '../core/eval/eval-service.ts';
import type { EvalWorkerApi } from '../core/eval/eval-worker-api.ts';
import { WasmBackend } from '../core/eval/wasm-backend.ts';

export function createEvalWorkerService(): EvalWorkerApi {
  let service: EvalService | undefined;
  const s = (): EvalService => {
    if (!service) throw new Error('evaluator worker used before init');
    return service;
  };
  return {
    async init(module) {
      service = createEvalService(await WasmBackend.create(module));
    },
    begin: async (job) => s().begin(job),
    embed: async (m, t) => s().embed(m, t),
    block: async (m, l, t) => s().block(m, l, t),
    async score(heads, first, compare) {
      const scores = s().score(heads, first, compare);
      const buffers = scores.flatMap((c) => [
        ...c.nll.map((a) => a.buffer),
        ...(c.kld ?? []).flatMap((k) => [k.kld.buffer, k.pDiff.buffer, k.sameTop.buffer, k.nll.buffer, k.nllBase.buffer]),
      ]);
      return transfer(scores, buffers as ArrayBuffer[]);
    },
    async imatrix(norm) {
      const partials = s().imatrix(norm);
      return transfer(partials, partials.map((p) => p.sums.buffer as ArrayBuffer));
    },
    end: async () => s().end(),
  };
}
