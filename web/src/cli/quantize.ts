// `quantsmith quantize`: the same engine as the app, with a terminal progress bar and a one-line summary.
import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import { planOutput, type PlannedLayout } from '../core/engine/plan-outputs.ts';
import { shardedSink } from '../core/engine/sharded-sink.ts';
import { outputSplitPrefix, splitShardName } from '../core/formats/gguf/split-names.ts';
import { runJob } from '../core/engine/run-job.ts';
import { ggmlType } from '../core/quant/ggml-types.ts';
import type { QuantizeOptions } from '../core/quant/options.ts';
import { createNodeFileSink, type NodeFileSink } from '../io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../io/node-wasm.ts';
import { createNodePool } from '../workers/node-pool.ts';
import type { QuantizeArgs } from './args.ts';
import { openInput } from './open-input.ts';
import { ProgressBar } from './progress-bar.ts';
import { formatBytes, formatSeconds } from './format.ts';

export function optionsFromArgs(args: QuantizeArgs): QuantizeOptions {
  return { ftype: args.type, ...args.options };
}

export async function quantizeCommand(args: QuantizeArgs, out: (line: string) => void, interrupted: AbortSignal): Promise<void> {
  const options = optionsFromArgs(args);
  const source = await openInput(args.input);
  try {
    const planned = planOutput(source, options);
    if (args.dryRun) {
      const width = Math.max(...planned.plan.tensors.map((t) => t.name.length));
      for (const t of planned.plan.tensors) {
        const from = ggmlType(t.sourceType)?.name ?? String(t.sourceType);
        const to = ggmlType(t.outputType)?.name ?? String(t.outputType);
        out(`${t.name.padEnd(width)}  ${`[${t.shape.join(', ')}]`.padEnd(22)}  ${from.padEnd(7)} -> ${to}`);
      }
      if (planned.namedAsShards) {
        const paths = outputPaths(args.output ?? `${args.input.replace(/(-\d{5}-of-\d{5})?\.gguf$/, '')}-${args.type}.gguf`, planned);
        planned.shards.forEach((s, i) => out(`${paths[i]}: ${s.layout.tensors.length} tensors, ${s.layout.fileSize} bytes`));
      }
      out(`${args.type}: ${planned.size} bytes (${formatBytes(planned.size)}), ${percent(planned.size, source.sizeBytes)} of the ${formatBytes(source.sizeBytes)} source; nothing written (--dry-run)`);
      return;
    }
    const output = resolve(args.output!);
    await refuseOverwritingInput(args.input, output);

    const wasm = await loadWasmModuleFromDisk();
    const pool = createNodePool(wasm, args.threads);
    const paths = outputPaths(output, planned);
    for (const path of paths) if (path !== output) await refuseOverwritingInput(args.input, path);
    const sinks = await createSinks(paths);
    const sink = sinks.length === 1 ? sinks[0] : shardedSink(planned.shards.map((s) => s.layout.fileSize), sinks);
    const bar = new ProgressBar();
    try {
      const result = await runJob(source, [{ options, sink }], pool, {
        signal: interrupted,
        onProgress: (p) => bar.update(p),
      });
      bar.clear();
      const size = result.outputs[0].size;
      const rate = result.sourceBytes / 1e6 / Math.max(result.seconds, 1e-9);
      out(
        `${paths.length === 1 ? args.output : `${paths[0]} … ${basename(paths.at(-1)!)} (${paths.length} shards)`}: ${formatBytes(size)} ${args.type}, ${percent(size, source.sizeBytes)} of ${formatBytes(source.sizeBytes)}` +
          ` (${(source.sizeBytes / size).toFixed(2)}x smaller) in ${formatSeconds(result.seconds)}, ${rate.toFixed(1)} MB/s`,
      );
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

async function refuseOverwritingInput(input: string, output: string): Promise<void> {
  const inputReal = await realpath(input);
  const outputReal = await realpath(output).catch(() => output);
  if (inputReal === outputReal) throw new QuantsmithError(`the output ${output} is the input file; choose another name (the input is never modified)`);
  const info = await stat(output).catch(() => undefined);
  if (info?.isDirectory()) throw new QuantsmithError(`the output ${output} is a folder; give a file name such as model-Q4_K_M.gguf`);
}

function percent(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}
