// "Compute importance matrix": llama-imatrix's statistics of the source on a text, written as its GGUF file
// through a sink that appears under its final name only on commit, then chosen for the next quantization.
import type { ByteSink } from '../../core/byte-source.ts';
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { checkModels, runEvaluation, type EvalProgress, type EvalWorker } from '../../core/eval/eval-run.ts';
import { tokenizeEvalText } from '../../core/eval/eval-text.ts';
import type { ImportanceMatrix } from '../../core/imatrix/imatrix.ts';
import { encodeImatrix } from '../../core/imatrix/write-imatrix.ts';
import { availableChunks, qualityContext } from './quality-session.ts';

/** `<model>.imatrix.gguf` beside `<model>.gguf` (or a folder's name). */
export function imatrixFileName(modelName: string): string {
  return `${modelName.replace(/\.gguf$/i, '')}.imatrix.gguf`;
}

export interface ImatrixComputeOptions {
  readonly textName: string;
  readonly text: string;
  readonly chunks: number;
  readonly workers: readonly EvalWorker[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: EvalProgress) => void;
}

/** The source's importance matrix on the first `chunks` chunks of the text (llama-imatrix -c N --chunks K). */
export async function computeImatrix(source: ModelSource, opts: ImatrixComputeOptions): Promise<ImportanceMatrix> {
  checkModels([{ label: source.name, source }]);
  const nCtx = qualityContext(source);
  const tokens = tokenizeEvalText(source, opts.text);
  if (availableChunks(tokens.length, nCtx) < 1) throw new QuantsmithError(`${opts.textName} is too short: ${tokens.length} tokens, one chunk needs ${nCtx}`);
  const result = await runEvaluation([{ label: source.name, source }], tokens, {
    nCtx, maxChunks: Math.max(1, Math.floor(opts.chunks)), workers: opts.workers, mode: { kind: 'imatrix', processOutput: false },
    signal: opts.signal, onProgress: opts.onProgress,
  });
  return {
    format: 'gguf',
    datasets: [opts.textName],
    chunkCount: result.nChunks,
    chunkSize: nCtx,
    entries: (result.imatrix ?? []).map((p) => ({ name: p.name, sums: p.sums, counts: Float32Array.of(p.count) })),
  };
}

/** Writes the matrix and commits it; on any failure the sink is aborted, so no partial file keeps the name. */
export async function saveImatrix(matrix: ImportanceMatrix, sink: ByteSink): Promise<void> {
  try {
    for (const part of encodeImatrix(matrix)) await sink.write(part);
    await sink.commit();
  } catch (e) {
    await sink.abort();
    throw e;
  }
}
