// "Check quality" as a plain session: the source and each output advance through the evaluator together
// (one pass, no stored logits), and the figures come back as rows a table, a chart, the history and the
// Hub model card all read. The page supplies the workers and the opened models; nothing here knows Svelte.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { getNumber, getString } from '../../core/formats/gguf/metadata.ts';
import { kldFigures, perplexityFigure } from '../../core/eval/eval-figures.ts';
import { checkModels, runEvaluation, type EvalProgress, type EvalWorker } from '../../core/eval/eval-run.ts';
import { decodeEvalText, tokenizeEvalText } from '../../core/eval/eval-text.ts';
import { ftypeById } from '../../core/quant/ftypes.ts';

/** One model's measured figures; the source row has no KL divergence (it is the base). */
export interface QualityRow {
  readonly type: string;
  readonly fileName: string;
  readonly size: number;
  readonly ppl: number;
  readonly pplError: number;
  /** perplexity relative to the source's, e.g. 0.004 for +0.4% (0 for the source) */
  readonly pplDelta: number;
  readonly meanKld?: number;
  /** fraction of tokens where the model and the source rank the same token first */
  readonly sameTop?: number;
}

export interface QualityReport {
  readonly textName: string;
  readonly nCtx: number;
  readonly chunks: number;
  readonly rows: readonly QualityRow[];
}

export interface QualityModel {
  readonly type: string;
  readonly fileName: string;
  readonly size: number;
  readonly source: ModelSource;
}

/** Chunk size the check uses: llama-perplexity's -c 256 of the README figures, capped by the model's context. */
export function qualityContext(source: ModelSource): number {
  const arch = getString(source, 'general.architecture');
  const trained = arch ? getNumber(source, `${arch}.context_length`) : undefined;
  return Math.min(256, trained ?? 256);
}

/** How many chunks of nCtx tokens the text holds (llama-perplexity needs at least one). */
export function availableChunks(tokenCount: number, nCtx: number): number {
  return Math.floor(tokenCount / nCtx);
}

/** Weights × tokens a check multiplies through, per model (each weight is used twice per token: multiply, add). */
function parameterCount(source: ModelSource): number {
  return source.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}

/** Assumed evaluator speed per worker, in multiply-adds per second (the test model ran ~2e9 on a busy 2-core machine). */
export const MACS_PER_SECOND_PER_WORKER = 1.5e9;

/** A rough time in seconds for `chunks` chunks over the source plus `outputs` outputs. */
export function estimateSeconds(source: ModelSource, outputs: number, chunks: number, nCtx: number, workers: number): number {
  return (parameterCount(source) * chunks * nCtx * (outputs + 1)) / (MACS_PER_SECOND_PER_WORKER * Math.max(1, workers));
}

/** Seconds left from the progress so far, or undefined before there is enough to tell. */
export function etaSeconds(p: EvalProgress, elapsedSeconds: number): number | undefined {
  const f = p.total ? p.done / p.total : 0;
  return f > 0.02 ? (elapsedSeconds * (1 - f)) / f : undefined;
}

export interface QualityCheckOptions {
  readonly textName: string;
  readonly text: string;
  readonly chunks: number;
  readonly workers: readonly EvalWorker[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: EvalProgress) => void;
}

/** Measures every output against the source on the first `chunks` chunks of the text. */
export async function checkQuality(base: QualityModel, outputs: readonly QualityModel[], opts: QualityCheckOptions): Promise<QualityReport> {
  if (outputs.length === 0) throw new QuantsmithError('nothing to check: no output beside the source');
  const models = [base, ...outputs].map((m) => ({ label: m.fileName, source: m.source }));
  checkModels(models);
  const nCtx = qualityContext(base.source);
  const tokens = tokenizeEvalText(base.source, opts.text);
  const have = availableChunks(tokens.length, nCtx);
  if (have < 1) throw new QuantsmithError(`${opts.textName} is too short: ${tokens.length} tokens, one chunk needs ${nCtx}`);
  const chunks = Math.max(1, Math.min(Math.floor(opts.chunks), have));
  const result = await runEvaluation(models, tokens, {
    nCtx, maxChunks: chunks, workers: opts.workers, mode: { kind: 'kld' }, signal: opts.signal, onProgress: opts.onProgress,
  });
  const basePpl = perplexityFigure(result.scores, 0);
  const rows: QualityRow[] = [{ type: base.type, fileName: base.fileName, size: base.size, ppl: basePpl.ppl, pplError: basePpl.pplError, pplDelta: 0 }];
  outputs.forEach((o, i) => {
    const p = perplexityFigure(result.scores, i + 1);
    const k = kldFigures(result.scores, i + 1);
    rows.push({
      type: o.type, fileName: o.fileName, size: o.size, ppl: p.ppl, pplError: p.pplError,
      pplDelta: p.ppl / basePpl.ppl - 1, meanKld: k.meanKld, sameTop: k.sameTop,
    });
  });
  return { textName: opts.textName, nCtx, chunks: result.nChunks, rows };
}

export function reportToJson(r: QualityReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

const csvCell = (v: string | number | undefined) => {
  const s = v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function reportToCsv(r: QualityReport): string {
  const head = 'type,file,size_bytes,perplexity,perplexity_error,perplexity_delta,mean_kld,same_top';
  const lines = r.rows.map((x) => [x.type, x.fileName, x.size, x.ppl, x.pplError, x.pplDelta, x.meanKld, x.sameTop].map(csvCell).join(','));
  return [head, ...lines].join('\n') + '\n';
}

/** A perplexity change as a signed percentage without its unit, e.g. "+0.40" or "−1.25" (a true minus sign). */
export function signedPercent(delta: number): string {
  return `${delta >= 0 ? '+' : '−'}${Math.abs(100 * delta).toFixed(2)}`;
}

/** The model card's "Quality" cell of one output, e.g. "perplexity 31.48 (+0.40% vs F16), KLD 0.00288". */
export function modelCardQuality(r: QualityReport, fileName: string): string | undefined {
  const row = r.rows.find((x) => x.fileName === fileName);
  if (!row || row.meanKld === undefined) return undefined;
  const base = r.rows[0];
  return `perplexity ${row.ppl.toFixed(2)} (${signedPercent(row.pplDelta)}% vs ${base.type}), mean KLD ${row.meanKld.toPrecision(3)}, ${r.chunks}×${r.nCtx} tokens`;
}

/** The source's row label: its llama.cpp file type (general.file_type), e.g. "F16", or "source". */
export function sourceTypeName(source: ModelSource): string {
  const id = getNumber(source, 'general.file_type');
  return (id !== undefined && ftypeById(id)?.name) || 'source';
}

export interface PreparedText {
  readonly name: string;
  readonly text: string;
  readonly tokens: number;
  /** chunks of the check's context the text holds */
  readonly chunks: number;
}

/** Reads a text for the check as llama-perplexity reads -f (UTF-8, binary refused) and counts its chunks. */
export function prepareText(source: ModelSource, bytes: Uint8Array, name: string): PreparedText {
  const text = decodeEvalText(bytes, name);
  const tokens = tokenizeEvalText(source, text).length;
  return { name, text, tokens, chunks: availableChunks(tokens, qualityContext(source)) };
}

export interface ChartPoint {
  readonly label: string;
  /** 0…1 across and up the plot area */
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly kld: number;
}

/** Where each output sits on a size (across) against mean KL divergence (up) chart, both from zero. */
export function sizeKldPoints(r: QualityReport): { points: ChartPoint[]; maxSize: number; maxKld: number } {
  const outs = r.rows.filter((x) => x.meanKld !== undefined);
  const maxSize = Math.max(...r.rows.map((x) => x.size), 1);
  const maxKld = Math.max(...outs.map((x) => x.meanKld!), 1e-12);
  return {
    points: outs.map((x) => ({ label: x.type, x: x.size / maxSize, y: x.meanKld! / maxKld, size: x.size, kld: x.meanKld! })),
    maxSize,
    maxKld,
  };
}

/** The history entry of a finished run: the one whose outputs are these files (same names and SHA-256). */
export function historyEntryFor<E extends { readonly outputs: readonly { fileName: string; sha256: string }[] }>(
  entries: readonly E[], outputs: readonly { fileName: string; sha256: string }[],
): E | undefined {
  const key = (os: readonly { fileName: string; sha256: string }[]) => os.map((o) => `${o.fileName}\0${o.sha256}`).join('\n');
  return entries.find((e) => key(e.outputs) === key(outputs));
}
