// "Layer importance" as a plain session: the source's perplexity pass with each block's influence measured
// on the way (core/eval/block-influence.ts), as a report the chart, its table and the JSON export read.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { getNumber, getString } from '../../core/formats/gguf/metadata.ts';
import { perplexityFigure } from '../../core/eval/eval-figures.ts';
import { runEvaluation, type EvalProgress, type EvalWorker } from '../../core/eval/eval-run.ts';
import { tokenizeEvalText } from '../../core/eval/eval-text.ts';
import type { LayerReport } from '../../core/eval/layer-report.ts';
import { availableChunks, qualityContext } from './quality-session.ts';

/** The model's {arch}.block_count, or undefined when it has none. */
export function modelBlockCount(source: ModelSource): number | undefined {
  const arch = getString(source, 'general.architecture');
  return arch ? getNumber(source, `${arch}.block_count`) : undefined;
}

export interface LayerCheckOptions {
  readonly textName: string;
  readonly text: string;
  readonly chunks: number;
  readonly workers: readonly EvalWorker[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: EvalProgress) => void;
}

/** Each block's influence on the first `chunks` chunks of the text (the check's context, 256 at most). */
export async function measureLayers(source: ModelSource, opts: LayerCheckOptions): Promise<LayerReport> {
  const nCtx = qualityContext(source);
  const tokens = tokenizeEvalText(source, opts.text);
  const have = availableChunks(tokens.length, nCtx);
  if (have < 1) throw new QuantsmithError(`${opts.textName} is too short: ${tokens.length} tokens, one chunk needs ${nCtx}`);
  const chunks = Math.max(1, Math.min(Math.floor(opts.chunks), have));
  const r = await runEvaluation([{ label: source.name, source }], tokens, {
    nCtx, maxChunks: chunks, workers: opts.workers, mode: { kind: 'perplexity' }, influence: true,
    signal: opts.signal, onProgress: opts.onProgress,
  });
  return { model: source.name, textName: opts.textName, nCtx, chunks: r.nChunks, ppl: perplexityFigure(r.scores, 0).ppl, layers: r.layers! };
}

export interface LayerBar {
  readonly layer: number;
  readonly influence: number;
  readonly rank: number;
  /** 0…1 of the tallest bar */
  readonly height: number;
}

/** One bar per block, in block order, scaled to the most influential. */
export function layerBars(r: LayerReport): LayerBar[] {
  const max = Math.max(...r.layers.map((b) => b.influence), 1e-12);
  return r.layers.map((b) => ({ ...b, height: Math.max(0, b.influence) / max }));
}
