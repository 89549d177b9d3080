// One measured job of the benchmark, as the table prints it.

/** `app`: the production app as a person uses it (app-leg.ts); `Chromium`: the engine in a page of its own */
export type LegName = 'llama-quantize' | 'CLI' | 'Chromium' | 'app';
/** `+ imatrix`: with the model's synthetic importance matrix (scripts/bench/imatrix.ts) */
export type JobName = 'Q4_K_M' | 'Q8_0' | 'Q4_K_M + imatrix' | 'IQ2_XS + imatrix' | 'IQ3_XXS + imatrix' | 'read only';

export interface Measured {
  readonly seconds: number;
  readonly sourceBytes: number;
  /** peak resident memory in bytes (see the leg for what is counted) */
  readonly peakRss: number;
  /** peak anonymous resident memory in bytes */
  readonly peakAnon: number;
  /** CPU seconds the job used on all its threads and processes */
  readonly cpuSeconds?: number;
  /** average cores other processes kept busy during the job (the machine is shared) */
  readonly othersCores?: number;
  /** whether the output was the reference's bytes (cmp, or SHA-256 and size); undefined: not compared */
  readonly identical?: boolean;
  /** a short remark printed under the table */
  readonly note?: string;
}

export interface Row {
  readonly leg: LegName;
  readonly job: JobName;
  readonly threads: number;
  /** 'base' = the benchmark model (TinyLlama-1.1B shape, or the small one with --model=small); 'double' = twice as deep */
  readonly model: 'base' | 'double';
  readonly result: Measured | { readonly skipped: string };
}

export function measured(row: Row): Measured | undefined {
  return 'skipped' in row.result ? undefined : row.result;
}

export function mbPerSecond(m: Measured): number {
  return m.sourceBytes / 1e6 / m.seconds;
}

/** MB/s of one row, if it was measured */
export function rate(rows: readonly Row[], leg: LegName, job: JobName, threads: number, model: Row['model']): number | undefined {
  const row = rows.find((r) => r.leg === leg && r.job === job && r.threads === threads && r.model === model);
  const m = row && measured(row);
  return m && mbPerSecond(m);
}

/** the highest peak RSS among a leg's quantize jobs on one model */
export function peakMemory(rows: readonly Row[], leg: LegName, model: Row['model']): number | undefined {
  const peaks = rows.filter((r) => r.leg === leg && r.model === model && r.job !== 'read only').flatMap((r) => measured(r)?.peakRss ?? []);
  return peaks.length ? Math.max(...peaks) : undefined;
}
