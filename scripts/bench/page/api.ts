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
  /**
   * Quantizes the model on the page's file input; with `imatrixPath`, with the importance matrix on the
   * page's second file input, recorded under that name (the path llama-quantize and the CLI were given, so
   * the outputs can be the same bytes). The output stays in OPFS until outputSha256() or the next job.
   */
  quantize(ftype: string, threads: number, imatrixPath?: string): Promise<PageRun>;
  /** SHA-256 (hex) of the last job's committed output, read back from OPFS; removes it afterwards */
  outputSha256(): Promise<string>;
  readOnly(): Promise<PageRun>;
}
