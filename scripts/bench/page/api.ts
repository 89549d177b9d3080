// What the benchmark page offers its driver (window.quantsmithBench), shared by both sides.

export interface PageRun {
  readonly seconds: number;
  /** size of the model file */
  readonly sourceBytes: number;
  /** size of the file found in OPFS after the job, and the size the plan promised */
  readonly outputBytes: number;
  readonly plannedBytes: number;
}

export interface BenchPageApi {
  /** fetch and compile the WASM kernels once */
  loadKernels(): Promise<void>;
  quantize(ftype: string, threads: number): Promise<PageRun>;
  readOnly(): Promise<PageRun>;
}
