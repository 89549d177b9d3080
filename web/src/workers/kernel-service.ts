// What runs inside each pool worker, the same in a Web Worker and in a Node worker thread.
import { transfer } from 'comlink';
import { instantiateKernels, type Kernels } from '../core/kernels/kernels.ts';
import type { ConvertResult, ConvertTask, KernelWorkerApi } from '../core/engine/convert-task.ts';

export function createKernelService(): KernelWorkerApi {
  let kernels: Kernels | undefined;
  return {
    async init(module) {
      kernels = await instantiateKernels(module);
    },
    async convert(task: ConvertTask): Promise<ConvertResult> {
      if (!kernels) throw new Error('kernel worker used before init');
      // one copy of the rows in the heap serves every output type (already-quantized rows are widened once)
      const out = kernels.quantizeRowsToTypes(task.srcType, task.src, task.dstTypes, task.nRows, task.nPerRow, task.importance);
      return transfer(out, out.map((b) => b.buffer as ArrayBuffer));
    },
  };
}
