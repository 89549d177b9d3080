// The app's door to the engine: open a model from a File, plan outputs (exact sizes), and the worker pool
// that runs jobs. The WASM is compiled once per page and handed to each worker.
import { openGgufModel } from '../../core/engine/gguf-source.ts';
import type { ModelSource } from '../../core/engine/model-source.ts';
import { planOutput } from '../../core/engine/plan-outputs.ts';
import type { KernelPool } from '../../core/engine/pool.ts';
import { QuantsmithError } from '../../core/errors.ts';
import type { QuantPlan } from '../../core/quant/plan.ts';
import { BlobSource } from '../../io/blob-source.ts';
import { createBrowserPool } from '../../workers/browser-pool.ts';
import { KERNELS_WASM_URL } from '../../core/kernels/wasm-url.ts';
import type { Preset } from '../presets/preset.ts';
import { optionsFor, type BesideFiles } from '../model/beside-files.ts';
import { startBrowserEvalWorkers } from '../../workers/browser-eval-pool.ts';
import { EvalJob, type EvalJobProgress } from '../quality/eval-job.ts';

export { runJob } from '../../core/engine/run-job.ts';

export async function openModelFile(file: Blob, name: string): Promise<ModelSource> {
  return openGgufModel(new BlobSource(file, name));
}

export type TypePlan =
  | {
      readonly ok: true;
      readonly size: number;
      readonly bitsPerWeight: number;
      readonly plan: QuantPlan;
      /** the size of each file the output is written as (one unless split) */
      readonly fileSizes: readonly number[];
      /** true: the files are named NAME-00001-of-0000N.gguf (a split output, even of one shard) */
      readonly namedAsShards: boolean;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * The exact output size (and bits per weight) of one type under the preset's options (and the importance
 * matrix and tensor type files opened beside the model), or why it is refused (a type whose kernels this build lacks is refused too).
 */
export function planType(source: ModelSource, preset: Preset, ftype: string, beside: BesideFiles | null = null): TypePlan {
  try {
    const planned = planOutput(source, optionsFor(preset, ftype, beside));
    if (planned.plan.missingKernel) return { ok: false, reason: planned.plan.missingKernel };
    let bytes = 0;
    let weights = 0;
    for (const t of planned.plan.tensors) {
      bytes += t.outputBytes;
      weights += t.shape.reduce((a, b) => a * b, 1);
    }
    return {
      ok: true, size: planned.size, bitsPerWeight: weights > 0 ? (bytes * 8) / weights : 0, plan: planned.plan,
      fileSizes: planned.shards.map((s) => s.layout.fileSize), namedAsShards: planned.namedAsShards,
    };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

let modulePromise: Promise<WebAssembly.Module> | undefined;
let pool: KernelPool | undefined;

/** The compiled kernels (fetched once; the service worker keeps them for offline use). */
export function kernelsModule(): Promise<WebAssembly.Module> {
  modulePromise ??= WebAssembly.compileStreaming(fetch(KERNELS_WASM_URL)).catch((err) => {
    modulePromise = undefined;
    throw new QuantsmithError(`could not load the WASM kernels: ${err instanceof Error ? err.message : err}`);
  });
  return modulePromise;
}

/** The page's worker pool, one worker per core; cancelled jobs terminate its workers, new jobs respawn them. */
export async function kernelPool(): Promise<KernelPool> {
  pool ??= createBrowserPool(await kernelsModule());
  return pool;
}

/** An evaluator run on Web Workers, one per core (see quality/eval-job.ts). */
export function browserEvalJob(onProgress: (p: EvalJobProgress) => void): EvalJob {
  const deps = { startWorkers: async (n: number) => startBrowserEvalWorkers(await kernelsModule(), n), now: () => performance.now() };
  return new EvalJob(deps, navigator.hardwareConcurrency || 2, onProgress);
}
