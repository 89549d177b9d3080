// An evaluator "worker" that runs in the calling thread: the service behind the EvalWorker interface.
// For tests and for environments without workers; the pool (web/src/workers/) is the usual way.
import type { EvalBackend } from './backend.ts';
import { createEvalService } from './eval-service.ts';
import type { EvalWorker } from './eval-run.ts';

export function inProcessEvalWorker(backend: EvalBackend): EvalWorker {
  const s = createEvalService(backend);
  return {
    begin: async (job) => s.begin(job),
    embed: async (m, t) => s.embed(m, t),
    block: async (m, l, t) => s.block(m, l, t),
    score: async (h, first, compare) => s.score(h, first, compare),
    imatrix: async (norm) => s.imatrix(norm),
    end: async () => s.end(),
  };
}
