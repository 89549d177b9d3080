// `quantsmith perplexity`, `quantsmith kld` and `quantsmith imatrix`: the evaluator on worker threads,
// with a terminal progress line and one summary line per model.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { CancelledError, QuantsmithError } from '../core/errors.ts';
import type { ModelSource } from '../core/engine/model-source.ts';
import { getNumber } from '../core/formats/gguf/metadata.ts';
import { decodeEvalText, tokenizeEvalText } from '../core/eval/eval-text.ts';
import { kldFigures, perplexityFigure } from '../core/eval/eval-figures.ts';
import { layerRankingLines, layerReportJson, layerSummaryLine, type LayerReport } from '../core/eval/layer-report.ts';
import { checkModels, runEvaluation, type EvalMode, type EvalModel, type EvalProgress } from '../core/eval/eval-run.ts';
import { encodeImatrix } from '../core/imatrix/write-imatrix.ts';
import type { ImportanceMatrix } from '../core/imatrix/imatrix.ts';
import { createNodeFileSink } from '../io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../io/node-wasm.ts';
import { startNodeEvalWorkers } from '../workers/node-eval-pool.ts';
import type { EvalArgs } from './eval-args.ts';
import { formatDuration, formatSeconds } from './format.ts';
import { openInput } from './open-input.ts';

async function readText(path: string): Promise<string> {
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new QuantsmithError(e.code === 'ENOENT' ? `${path}: no such file` : `${path}: ${e.message}`);
  });
  return decodeEvalText(bytes, path);
}

function progressLine(stream: NodeJS.WriteStream, start: number) {
  let drawn = false;
  return {
    update(p: EvalProgress) {
      if (!stream.isTTY) return;
      const fraction = p.total ? p.done / p.total : 0;
      const elapsed = (Date.now() - start) / 1000;
      const eta = fraction > 0.02 ? formatDuration((elapsed * (1 - fraction)) / fraction) : '--:--';
      const width = 24;
      const bar = '█'.repeat(Math.round(fraction * width)) + '░'.repeat(width - Math.round(fraction * width));
      stream.write(`\r${`${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  ETA ${eta}  ${p.what}`.slice(0, (stream.columns ?? 80) - 1)}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`;

export async function evalCommand(args: EvalArgs, out: (line: string) => void, interrupted: AbortSignal): Promise<void> {
  const output = args.output && resolve(args.output);
  if (output && [...args.models, args.text].some((m) => resolve(m) === output)) {
    throw new QuantsmithError(`the output ${args.output} is an input; choose another name (inputs are never modified)`);
  }
  const sources: ModelSource[] = [];
  try {
    for (const path of args.models) sources.push((await openInput(path, { signal: interrupted })).source);
    const models: EvalModel[] = sources.map((source, i) => ({ label: basename(args.models[i]), source }));
    const configs = checkModels(models);
    const text = await readText(args.text);
    const tokens = tokenizeEvalText(sources[0], text);
    const nCtx = args.nCtx ?? getNumber(sources[0], `${configs[0].arch}.context_length`) ?? 512;

    const mode: EvalMode =
      args.command === 'imatrix' ? { kind: 'imatrix', processOutput: args.processOutput } : models.length > 1 ? { kind: 'kld' } : { kind: 'perplexity' };

    const group = await startNodeEvalWorkers(await loadWasmModuleFromDisk(), args.threads ?? availableParallelism());
    const stop = () => group.terminate();
    interrupted.addEventListener('abort', stop);
    const start = Date.now();
    const bar = progressLine(process.stderr, start);
    let result;
    try {
      result = await runEvaluation(models, tokens, {
        nCtx, maxChunks: args.chunks, workers: group.workers, mode, influence: args.command === 'layer-importance', signal: interrupted, onProgress: (p) => bar.update(p),
      });
    } catch (e) {
      if (interrupted.aborted) throw new CancelledError();
      throw e;
    } finally {
      bar.clear();
      interrupted.removeEventListener('abort', stop);
      group.terminate();
    }
    const seconds = (Date.now() - start) / 1000;
    const runInfo = `${result.nChunks} chunks of ${nCtx} tokens in ${formatSeconds(seconds)}`;

    if (mode.kind === 'imatrix') {
      const matrix: ImportanceMatrix = {
        format: args.outputFormat as ImportanceMatrix['format'],
        datasets: [args.text],
        chunkCount: result.nChunks,
        chunkSize: nCtx,
        entries: (result.imatrix ?? []).map((p) => ({ name: p.name, sums: p.sums, counts: Float32Array.of(p.count) })),
      };
      const sink = await createNodeFileSink(output!);
      try {
        for (const part of encodeImatrix(matrix)) await sink.write(part);
        await sink.commit();
      } catch (e) {
        await sink.abort();
        throw e;
      }
      out(`${args.output}: importance matrix of ${matrix.entries.length} weights (${args.outputFormat}) from ${runInfo}`);
      return;
    }
    if (args.command === 'layer-importance') {
      const report: LayerReport = {
        model: models[0].label, textName: basename(args.text), nCtx, chunks: result.nChunks,
        ppl: perplexityFigure(result.scores, 0).ppl, layers: result.layers!,
      };
      const body = args.outputFormat === 'json' ? layerReportJson(report) : `${layerRankingLines(report).join('\n')}\n`;
      if (output) {
        const sink = await createNodeFileSink(output);
        try {
          await sink.write(new TextEncoder().encode(body));
          await sink.commit();
        } catch (e) {
          await sink.abort();
          throw e;
        }
      } else {
        out(body.trimEnd());
        // JSON on standard output stays parseable: no summary line after it
        if (args.outputFormat === 'json') return;
      }
      out(layerSummaryLine(report, runInfo) + (output ? ` (report: ${args.output})` : ''));
      return;
    }
    if (mode.kind === 'perplexity') {
      const f = perplexityFigure(result.scores, 0);
      out(`${models[0].label}: PPL = ${f.ppl.toFixed(4)} +/- ${f.pplError.toFixed(5)} over ${runInfo}`);
      return;
    }
    const base = perplexityFigure(result.scores, 0);
    out(`${models[0].label}: PPL = ${base.ppl.toFixed(4)} +/- ${base.pplError.toFixed(5)} (base) over ${runInfo}`);
    for (let m = 1; m < models.length; m++) {
      const p = perplexityFigure(result.scores, m);
      const k = kldFigures(result.scores, m);
      out(
        `${models[m].label}: PPL = ${p.ppl.toFixed(4)} +/- ${p.pplError.toFixed(5)}, ln(PPL/base) ${k.lnPplRatio.toFixed(5)},` +
          ` mean KLD ${k.meanKld.toFixed(6)} ± ${k.meanKldError.toFixed(6)}, median ${k.medianKld.toFixed(6)}, 99% ${k.p99Kld.toFixed(6)},` +
          ` same top ${pct(k.sameTop)}, Δp mean ${pct(k.meanPDiff, 3)} RMS ${pct(k.rmsPDiff, 3)}`,
      );
    }
  } finally {
    for (const s of sources) await s.close();
  }
}
