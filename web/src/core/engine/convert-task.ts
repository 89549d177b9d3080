// The unit of work a pool worker does: one slab of rows of one tensor, converted to one or more output types.
// One read of the source feeds every output, so a task carries every output type that needs these rows.
// The rows come either as bytes (read by the job's thread, transferred) or as a range of a source the
// worker opens itself (SourceDescriptor), so that they never pass through the job's thread.
import type { SourceRange } from '../byte-source.ts';

export interface ConvertTask {
  /** ggml type of `src` */
  readonly srcType: number;
  /** rows of the source tensor: bytes (their buffer is transferred to the worker, not copied) or where to read them */
  readonly src: Uint8Array | SourceRange;
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

/** The buffers to transfer (not copy) with a task. */
export function taskTransfers(task: ConvertTask): ArrayBuffer[] {
  return ArrayBuffer.isView(task.src) ? [task.src.buffer as ArrayBuffer] : [];
}
