// `quantsmith quantize`: the same engine as the app, with a terminal progress bar and a one-line summary.
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { CancelledError, QuantsmithError } from '../core/errors.ts';
import { planOutput, type PlannedLayout } from '../core/engine/plan-outputs.ts';
import { shardedSink } from '../core/engine/sharded-sink.ts';
import { outputSplitPrefix, splitShardName } from '../core/formats/gguf/split-names.ts';
import { runJob } from '../core/engine/run-job.ts';
import { ggmlType } from '../core/quant/ggml-types.ts';
import { parseTensorTypeFile, type QuantizeOptions, type TensorTypeOverride } from '../core/quant/options.ts';
import { readImatrix } from '../core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../io/node-file.ts';
import { createNodeFileSink, type NodeFileSink } from '../io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../io/node-wasm.ts';
import { createNodePool } from '../workers/node-pool.ts';
import type { QuantizeArgs } from './args.ts';
import { openInput } from './open-input.ts';
import { ProgressBar } from './progress-bar.ts';
import { hubFileLimit, publishOutput } from './publish.ts';
import { measureQuality, prepareQualityText, type QualityText } from './publish-quality.ts';
import type { PublishProgress } from '../core/hub/publish.ts';
import { planForHub } from '../core/hub/publish-plan.ts';
import { formatBytes, formatSeconds } from './format.ts';

export function optionsFromArgs(args: QuantizeArgs): QuantizeOptions {
  return { ftype: args.type, ...args.options };
}

/** --tensor-type-file entries read, in their place among the --tensor-type options. */
async function withTensorTypeFiles(options: QuantizeOptions, args: QuantizeArgs): Promise<QuantizeOptions> {
  if (!args.tensorTypeSequence.some((x) => 'file' in x)) return options;
  const tensorTypes: TensorTypeOverride[] = [];
  for (const item of args.tensorTypeSequence) {
    if ('override' in item) tensorTypes.push(item.override);
    else tensorTypes.push(...parseTensorTypeFile(await readTextFile(item.file), item.file));
  }
  return { ...options, tensorTypes };
}

async function readTextFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new QuantsmithError(`failed to open file '${path}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}`);
  }
}

/** The options with the --imatrix file read (refused with a one-line message when it is not a valid one). */
async function withImatrix(options: QuantizeOptions): Promise<QuantizeOptions> {
  if (options.imatrixFile === undefined) return options;
  const src = await openNodeFile(options.imatrixFile);
  try {
    return { ...options, imatrix: await readImatrix(src) };
  } finally {
    await src.close?.();
  }
}

export async function quantizeCommand(args: QuantizeArgs, out: (line: string) => void, interrupted: AbortSignal): Promise<void> {
  const asked = await withImatrix(await withTensorTypeFiles(optionsFromArgs(args), args));
  const limit = args.publish ? hubFileLimit() : undefined;
  // Ctrl-C stops a Hub download as it stops the quantizing: every request is aborted at once
  const input = await openInput(args.input, { hubFile: args.hubFile, signal: interrupted });
  const { source, download, localPath } = input;
  try {
    // to be published, an output over the Hub's per-file limit is split (or refused) before anything is written
    const { planned, options, autoSplit } = limit ? planForHub(source, asked, limit) : { planned: planOutput(source, asked), options: asked, autoSplit: undefined };
    if (args.dryRun) {
      const width = Math.max(...planned.plan.tensors.map((t) => t.name.length));
      for (const t of planned.plan.tensors) {
        const from = ggmlType(t.sourceType)?.name ?? String(t.sourceType);
        const to = ggmlType(t.outputType)?.name ?? String(t.outputType);
        out(`${t.name.padEnd(width)}  ${`[${t.shape.join(', ')}]`.padEnd(22)}  ${from.padEnd(7)} -> ${to}`);
      }
      if (planned.plan.missingKernel) out(`note: ${planned.plan.missingKernel}`);
      if (planned.plan.imatrixRequired) out(`note: ${planned.plan.imatrixRequired}; a run without one is refused`);
      if (planned.plan.imatrixEntries > 0) out(`importance matrix: ${planned.plan.imatrixEntries} entries used`);
      if (planned.namedAsShards) {
        const paths = outputPaths(args.output ?? `${args.input.replace(/(-\d{5}-of-\d{5})?\.gguf$/, '')}-${planned.plan.ftype.name}.gguf`, planned);
        planned.shards.forEach((s, i) => out(`${paths[i]}: ${s.layout.tensors.length} tensors, ${s.layout.fileSize} bytes`));
      }
      out(`${planned.plan.ftype.name}: ${planned.size} bytes (${formatBytes(planned.size)}), ${percent(planned.size, source.sizeBytes)} of the ${formatBytes(source.sizeBytes)} source; nothing written (--dry-run)`);
      return;
    }
    const output = resolve(args.output!);
    const paths = outputPaths(output, planned);
    for (const path of paths) await refuseOverwritingInput(localPath, path);
    const qualityText: QualityText | undefined = args.publishQuality === undefined ? undefined : await prepareQualityText(source, args.publishQuality, args.publishQualityChunks);
    if (autoSplit) {
      out(`${args.type} would be one file of ${formatBytes(autoSplit.unsplitBytes)}, over the Hub's per-file limit of ${formatBytes(limit!.maxFileBytes)}: ` +
        `writing it split at --split-max-size ${autoSplit.splitMaxSize} (${paths.length} shards) to publish it`);
    }

    const wasm = await loadWasmModuleFromDisk();
    const pool = createNodePool(wasm, args.threads);
    const sinks = await createSinks(paths);
    const sink = sinks.length === 1 ? sinks[0] : shardedSink(planned.shards.map((s) => s.layout.fileSize), sinks);
    const bar = new ProgressBar();
    try {
      const result = await runJob(source, [{ options, sink }], pool, {
        signal: interrupted,
        onProgress: (p) => bar.update(p, download && `↓ ${(download.rate() / 1e6).toFixed(1)} MB/s`),
      });
      bar.clear();
      const size = result.outputs[0].size;
      const rate = result.sourceBytes / 1e6 / Math.max(result.seconds, 1e-9);
      out(
        `${paths.length === 1 ? args.output : `${paths[0]} … ${basename(paths.at(-1)!)} (${paths.length} shards)`}: ${formatBytes(size)} ${planned.plan.ftype.name}, ${percent(size, source.sizeBytes)} of ${formatBytes(source.sizeBytes)}` +
          ` (${(source.sizeBytes / size).toFixed(2)}x smaller) in ${formatSeconds(result.seconds)}, ${rate.toFixed(1)} MB/s` +
          (download ? `, ${formatBytes(download.bytes)} downloaded` : ''),
      );
      if (args.publish) {
        // the output is complete and stays whatever happens to the measurement or the upload
        let quality: string | undefined;
        if (qualityText) {
          try {
            quality = await measureQuality(source, paths[0], qualityText, wasm, args.threads, interrupted, (p) => bar.note(`measuring quality on ${qualityText.name}: ${p.what}`));
          } catch (e) {
            if (e instanceof CancelledError) throw new QuantsmithError(`measuring ${basename(paths[0])} was interrupted; nothing was published (the output is complete)`);
            throw e;
          }
          bar.clear();
          out(`${args.type} on ${qualityText.name}: ${quality}`);
        }
        const note = (p: PublishProgress) => bar.note(`publishing: ${p.phase}${p.path ? ` ${p.path}` : ''}${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''}`);
        out(await publishOutput(input, args, { output, paths, options, quality }, limit!, note, interrupted));
      }
    } finally {
      bar.clear();
      pool.close();
    }
  } finally {
    await source.close();
  }
}

/** The output's file or, split, its shard files (PATH's stem-00001-of-0000N.gguf, as llama.cpp names them). */
function outputPaths(output: string, planned: PlannedLayout): string[] {
  if (!planned.namedAsShards) return [output];
  const prefix = outputSplitPrefix(output);
  return planned.shards.map((_, i) => splitShardName(prefix, i, planned.shards.length));
}

async function createSinks(paths: readonly string[]): Promise<NodeFileSink[]> {
  const sinks: NodeFileSink[] = [];
  try {
    for (const path of paths) {
      const sink = await createNodeFileSink(path);
      for (const name of sink.removedStale) process.stderr.write(`quantsmith: removed ${name}, left by an earlier run that was killed\n`);
      sinks.push(sink);
    }
    return sinks;
  } catch (e) {
    await Promise.allSettled(sinks.map((s) => s.abort()));
    throw e;
  }
}

async function refuseOverwritingInput(input: string | undefined, output: string): Promise<void> {
  const inputReal = input === undefined ? undefined : await realpath(input);
  const outputReal = await realpath(output).catch(() => output);
  if (inputReal === outputReal) throw new QuantsmithError(`the output ${output} is the input file; choose another name (the input is never modified)`);
  const info = await stat(output).catch(() => undefined);
  if (info?.isDirectory()) throw new QuantsmithError(`the output ${output} is a folder; give a file name such as model-Q4_K_M.gguf`);
}

function percent(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}
