// One measured job of the benchmark, as the table prints it.

export type LegName = 'llama-quantize' | 'CLI' | 'Chromium';
/** `+ imatrix`: with the model's synthetic importance matrix (scripts/bench/imatrix.ts) */
export type JobName = 'Q4_K_M' | 'Q8_0' | 'Q4_K_M + imatrix' | 'read only';

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
  /** a short remark printed under the table */
  readonly note?: string;
}

export interface Row {
  readonly leg: LegName;
  readonly job: JobName;
  readonly threads: number;
  /** 'base' = TinyLlama-1.1B shape; 'double' = 44 layers */
  readonly model: 'base' | 'double';
  readonly result: Measured | { readonly skipped: string };
}

export function measured(row: Row): Measured | undefined {
  return 'skipped' in row.result ? undefined : row.result;
}

export function mbPerSecond(m: Measured): number {
  return m.sourceBytes / 1e6 / m.seconds;
}
