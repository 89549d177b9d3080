// What runs inside each pool worker, the same in a Web Worker and in a Node worker thread. A task's rows
// come as bytes, or as a range of a source this worker opens itself (`open`, given by the platform's entry):
// then they are read straight into the WASM heap when the source can (readInto), with no buffer between.
import { transfer } from 'comlink';
import { instantiateKernels, type Kernels } from '../core/kernels/kernels.ts';
import type { ByteSource, SourceDescriptor } from '../core/byte-source.ts';
import type { ConvertResult, ConvertTask, KernelWorkerApi } from '../core/engine/convert-task.ts';

/** Opens a source descriptor in this worker (the platform's own way: a Blob, a path). */
export type SourceOpener = (d: SourceDescriptor) => Promise<ByteSource>;

export function createKernelService(open?: SourceOpener): KernelWorkerApi {
  let kernels: Kernels | undefined;
  // tasks run one at a time: a read into the heap must not overlap another task's use of the heap
  let queue: Promise<unknown> = Promise.resolve();

  async function convert(k: Kernels, task: ConvertTask): Promise<Uint8Array[]> {
    const { srcType, src, dstTypes, nRows, nPerRow, importance } = task;
    if (ArrayBuffer.isView(src)) return k.quantizeRowsToTypes(srcType, src, dstTypes, nRows, nPerRow, importance);
    if (!open) throw new Error('this kernel worker cannot open sources');
    const source = await open(src.source);
    if (!source.readInto) return k.quantizeRowsToTypes(srcType, await source.read(src.offset, src.length), dstTypes, nRows, nPerRow, importance);
    const area = k.inputArea(srcType, nRows, nPerRow);
    if (area.byteLength !== src.length) throw new Error(`internal error: ${src.length} bytes read for ${area.byteLength} bytes of rows`);
    await source.readInto(src.offset, area);
    return k.quantizeInputToTypes(srcType, dstTypes, nRows, nPerRow, importance);
  }

  return {
    async init(module) {
      kernels = await instantiateKernels(module);
    },
    async convert(task: ConvertTask): Promise<ConvertResult> {
      const k = kernels;
      if (!k) throw new Error('kernel worker used before init');
      const run = queue.then(() => convert(k, task));
      queue = run.catch(() => {});
      const out = await run;
      return transfer(out, out.map((b) => b.buffer as ArrayBuffer));
    },
  };
}
