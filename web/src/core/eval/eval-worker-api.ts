// The evaluator worker as the platform starts it (a Web Worker or a Node worker thread, through comlink):
// the EvalWorker calls, plus init with the compiled kernel module.
import type { EvalWorker } from './eval-run.ts';

export interface EvalWorkerApi extends EvalWorker {
  init(module: WebAssembly.Module): Promise<void>;
}

/** Started evaluator workers; terminate() stops them at once (cancel) and for good. */
export interface EvalWorkerGroup {
  readonly workers: readonly EvalWorker[];
  terminate(): void;
}
