// The unit of work a pool worker does: one slab of rows of one tensor, converted to one or more output types.
// One read of the source feeds every output, so a task carries every output type that needs these rows.

export interface ConvertTask {
  /** ggml type of `src` */
  readonly srcType: number;
  /** rows of the source tensor; its buffer is transferred to the worker, not copied */
  readonly src: Uint8Array;
  readonly nRows: number;
  readonly nPerRow: number;
  /** one ggml type per output that needs these rows converted */
  readonly dstTypes: readonly number[];
  /**
   * importance weights (nPerRow floats, applied to every row: ggml's quant_weights), or undefined for none.
   * All rows of a task belong to one expert, whose slice of the tensor's weights this is.
   */
  readonly importance?: Float32Array;
}

/** One converted buffer per entry of dstTypes, in the same order. */
export type ConvertResult = Uint8Array[];

export interface KernelWorkerApi {
  /** instantiate the kernels from the compiled WASM module (posted once per worker) */
  init(module: WebAssembly.Module): Promise<void>;
  convert(task: ConvertTask): Promise<ConvertResult>;
}
