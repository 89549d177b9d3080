// What runs inside each pool worker, the same in a Web Worker and in a Node worker thread.
import { transfer } from 'comlink';
import { instantiateKernels, type Kernels } from '../core/kernels/kernels.ts';
import { GgmlType } from '../core/quant/ggml-types.ts';
import type { ConvertResult, ConvertTask, KernelWorkerApi } from './convert-task.ts';

const directSources = new Set<number>([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

export function createKernelService(): KernelWorkerApi {
  let kernels: Kernels | undefined;
  return {
    async init(module) {
      kernels = await instantiateKernels(module);
    },
    async convert(task: ConvertTask): Promise<ConvertResult> {
      if (!kernels) throw new Error('kernel worker used before init');
      let { srcType, src } = task;
      // Already-quantized sources are widened to F32 once (llama.cpp does the same before requantizing).
      if (!directSources.has(srcType)) {
        const f32 = kernels.dequantizeRows(srcType, src, task.nRows, task.nPerRow);
        src = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
        srcType = GgmlType.F32;
      }
      const out = task.dstTypes.map((dst) => kernels!.quantizeRows(srcType, src, dst, task.nRows, task.nPerRow));
      return transfer(out, out.map((b) => b.buffer as ArrayBuffer));
    },
  };
}
