// Wraps started evaluator workers (comlink proxies) as EvalWorkers: tensors are transferred, calls fail
// when a worker dies, and terminate() stops every worker at once.
import { transfer, type Remote } from 'comlink';
import type { EvalWorker } from '../core/eval/eval-run.ts';
import type { EvalWorkerApi, EvalWorkerGroup } from '../core/eval/eval-worker-api.ts';
import { buffersOf, owned } from './eval-transfer.ts';
import { WorkerDeath } from './worker-death.ts';

export interface StartedEvalWorker {
  readonly api: Remote<EvalWorkerApi>;
  readonly death: WorkerDeath;
  terminate(): void;
}

export function evalGroup(started: readonly StartedEvalWorker[]): EvalWorkerGroup {
  const workers: EvalWorker[] = started.map(({ api, death }) => ({
    begin: (job) => death.guard(api.begin(job)),
    embed: (m, t) => {
      const o = owned(t);
      return death.guard(api.embed(m, transfer(o, buffersOf([o]))));
    },
    block: (m, l, ts) => {
      const o = ts.map(owned);
      return death.guard(api.block(m, l, transfer(o, buffersOf(o))));
    },
    score: (heads, first, compare) => {
      const o = heads.map((h) => ({ outputNorm: owned(h.outputNorm), output: owned(h.output) }));
      return death.guard(api.score(transfer(o, buffersOf(o.flatMap((h) => [h.outputNorm, h.output]))), first, compare));
    },
    imatrix: (norm) => death.guard(api.imatrix(norm && owned(norm))),
    end: () => death.guard(api.end()),
  }));
  let terminated = false;
  return {
    workers,
    terminate() {
      if (terminated) return;
      terminated = true;
      for (const w of started) {
        w.death.died(new Error('evaluator worker terminated'));
        w.terminate();
      }
    },
  };
}
