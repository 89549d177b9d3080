// An importance matrix as llama-imatrix accumulates it and llama-quantize reads it (both file formats:
// the GGUF imatrix and the legacy .dat). The reader (read-imatrix.ts) and writer (write-imatrix.ts)
// convert between files and this form; quantize-weights.ts turns it into the per-tensor weights
// llama-quantize's load_imatrix hands to the quantizer.

/** One weight matrix's statistics. */
export interface ImatrixEntry {
  /** the weight tensor's GGUF name, e.g. "blk.0.attn_q.weight" */
  readonly name: string;
  /**
   * Sums of squared activations, ne0 × nExperts values (expert-major: expert e's ne0 values start at e × ne0).
   * GGUF files store these raw (tensor `<name>.in_sum2`); legacy .dat files store (sum / count) × ncall.
   */
  readonly sums: Float32Array;
  /**
   * One count per expert (1 for a dense tensor): how many activation rows were summed (tensor `<name>.counts`).
   * For a legacy .dat entry this holds its single ncall.
   */
  readonly counts: Float32Array;
}

export interface ImportanceMatrix {
  /** which file format this came from or is to be written as */
  readonly format: 'gguf' | 'dat';
  /** imatrix.datasets: the text files it was computed from */
  readonly datasets: readonly string[];
  /** imatrix.chunk_count: chunks of chunkSize tokens processed */
  readonly chunkCount: number;
  /** imatrix.chunk_size: tokens per chunk (n_ctx); 0 when the file does not say (legacy .dat) */
  readonly chunkSize: number;
  /** in the order the file holds them */
  readonly entries: readonly ImatrixEntry[];
}
