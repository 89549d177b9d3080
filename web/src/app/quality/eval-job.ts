// One evaluator run started from the page (Check quality, Layer importance, Compute importance matrix): its
// workers are started for it and ended after it whatever happens, its progress comes with the time left,
// and cancel stops it at once (the workers are ended, so pending calls fail and the run ends as cancelled).
import { CancelledError } from '../../core/errors.ts';
import type { EvalProgress, EvalWorker } from '../../core/eval/eval-run.ts';
import type { EvalWorkerGroup } from '../../core/eval/eval-worker-api.ts';
import { etaSeconds } from './quality-session.ts';

export interface EvalJobProgress {
  /** null until the evaluator reports */
  readonly progress: EvalProgress | null;
  /** seconds left; undefined until there is enough to tell */
  readonly eta: number | undefined;
}

export interface EvalJobDeps {
  startWorkers(count: number): Promise<EvalWorkerGroup>;
  /** milliseconds, for the time left */
  now(): number;
}

/** What the run itself does with the job's workers. */
export type EvalWork<T> = (workers: readonly EvalWorker[], signal: AbortSignal, onProgress: (p: EvalProgress) => void) => Promise<T>;

export class EvalJob {
  readonly #abort = new AbortController();
  #group: EvalWorkerGroup | null = null;

  constructor(
    private readonly deps: EvalJobDeps,
    private readonly workerCount: number,
    private readonly onProgress: (p: EvalJobProgress) => void,
  ) {}

  /** Runs `work` on freshly started workers; a cancelled run rejects with CancelledError. */
  async run<T>(work: EvalWork<T>): Promise<T> {
    const started = this.deps.now();
    this.onProgress({ progress: null, eta: undefined });
    try {
      this.#group = await this.deps.startWorkers(this.workerCount);
      if (this.cancelled) throw new CancelledError();
      return await work(this.#group.workers, this.#abort.signal, (p) =>
        this.onProgress({ progress: p, eta: etaSeconds(p, (this.deps.now() - started) / 1000) }),
      );
    } catch (e) {
      throw this.cancelled && !(e instanceof CancelledError) ? new CancelledError() : e;
    } finally {
      this.#group?.terminate();
      this.#group = null;
    }
  }

  cancel(): void {
    this.#abort.abort();
    this.#group?.terminate();
    this.#group = null;
  }

  get cancelled(): boolean {
    return this.#abort.signal.aborted;
  }
}
