// `--publish-quality TEXT`: before the upload, the output is measured against the input on TEXT as
// `quantsmith kld INPUT OUTPUT -f TEXT` measures it (chunks of min(256, the model's context) tokens, as the
// app's Check quality), and the figures fill the card's Quality column. A run here rather than a figures
// file read back: the output does not exist before `quantize --publish` writes it, so a file of figures
// would mean quantizing twice, and figures measured here belong to exactly the bytes that are uploaded.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { CancelledError, QuantsmithError } from '../core/errors.ts';
import type { ModelSource } from '../core/engine/model-source.ts';
import { kldFigures, perplexityFigure } from '../core/eval/eval-figures.ts';
import { checkModels, runEvaluation, type EvalProgress } from '../core/eval/eval-run.ts';
import { decodeEvalText, tokenizeEvalText } from '../core/eval/eval-text.ts';
import { getNumber, getString } from '../core/formats/gguf/metadata.ts';
import { qualityNote } from '../core/hub/quality-note.ts';
import { ftypeById } from '../core/quant/ftypes.ts';
import { startNodeEvalWorkers } from '../workers/node-eval-pool.ts';
import { openInput } from './open-input.ts';

export interface QualityText {
  readonly name: string;
  readonly tokens: Int32Array;
  readonly nCtx: number;
  readonly maxChunks?: number;
}

/** Reads and tokenizes the text before anything is written: a missing, binary or too short text fails at once. */
export async function prepareQualityText(source: ModelSource, path: string, maxChunks?: number): Promise<QualityText> {
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new QuantsmithError(`--publish-quality ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.message}`);
  });
  const arch = getString(source, 'general.architecture');
  const trained = arch ? getNumber(source, `${arch}.context_length`) : undefined;
  const nCtx = Math.min(256, trained ?? 256);
  const tokens = tokenizeEvalText(source, decodeEvalText(bytes, path));
  // llama-perplexity's rule (eval-run.ts): a text of fewer than 2 × n_ctx tokens is refused
  if (tokens.length < 2 * nCtx) throw new QuantsmithError(`--publish-quality ${path} is too short: ${tokens.length} tokens, at least ${2 * nCtx} are needed (chunks of ${nCtx})`);
  return { name: basename(path), tokens, nCtx, maxChunks };
}

/** The input's type name for the card (general.file_type: F16, BF16 …), or "source". */
function sourceType(source: ModelSource): string {
  const id = getNumber(source, 'general.file_type');
  return (id !== undefined && ftypeById(id)?.name) || 'source';
}

/** Measures the written output (its file or first shard) against the input; returns the card's quality note. */
export async function measureQuality(
  source: ModelSource, outputPath: string, text: QualityText, wasm: WebAssembly.Module, threads: number | undefined,
  interrupted: AbortSignal, onProgress: (p: EvalProgress) => void,
): Promise<string> {
  const output = (await openInput(outputPath, { signal: interrupted })).source;
  try {
    const models = [{ label: source.name, source }, { label: basename(outputPath), source: output }];
    checkModels(models);
    const group = await startNodeEvalWorkers(wasm, threads ?? availableParallelism());
    const stop = () => group.terminate();
    interrupted.addEventListener('abort', stop);
    try {
      const result = await runEvaluation(models, text.tokens, { nCtx: text.nCtx, maxChunks: text.maxChunks, workers: group.workers, mode: { kind: 'kld' }, signal: interrupted, onProgress });
      const base = perplexityFigure(result.scores, 0);
      return qualityNote({
        ppl: perplexityFigure(result.scores, 1).ppl, basePpl: base.ppl, baseType: sourceType(source),
        meanKld: kldFigures(result.scores, 1).meanKld, chunks: result.nChunks, nCtx: text.nCtx,
      });
    } catch (e) {
      if (interrupted.aborted) throw new CancelledError();
      throw e;
    } finally {
      interrupted.removeEventListener('abort', stop);
      group.terminate();
    }
  } finally {
    await output.close();
  }
}
