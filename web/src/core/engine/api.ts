// The engine's public shape, shared by the CLI and the app.
import type { ByteSink } from '../byte-source.ts';
import type { QuantPlan } from '../quant/plan.ts';
import type { QuantizeOptions } from '../quant/options.ts';

/** One output of a job: what to make, and where its bytes go. */
export interface OutputRequest {
  readonly options: QuantizeOptions;
  readonly sink: ByteSink;
}

/** An output's plan plus its exact layout; computed before any tensor data is read. */
export interface PlannedOutput {
  readonly plan: QuantPlan;
  /** exact size of the output file in bytes */
  readonly size: number;
}

export interface JobProgress {
  /** index of the tensor being processed, 0-based, and the count */
  readonly tensorIndex: number;
  readonly tensorCount: number;
  readonly tensorName: string;
  /** source bytes consumed so far / in all */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** per output: bytes written so far */
  readonly outputBytes: readonly number[];
  readonly elapsedSeconds: number;
  /** source MB/s (10^6 bytes) so far */
  readonly mbPerSecond: number;
  /** estimated seconds left, or undefined before there is enough to estimate */
  readonly etaSeconds: number | undefined;
}

export interface OutputResult {
  readonly plan: QuantPlan;
  readonly size: number;
}

export interface JobResult {
  readonly outputs: readonly OutputResult[];
  readonly seconds: number;
  readonly sourceBytes: number;
}

export interface JobHooks {
  onProgress?(p: JobProgress): void;
  /** abort() stops the workers promptly; the job rejects with CancelledError and every sink is aborted */
  signal?: AbortSignal;
}
