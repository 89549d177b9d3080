// `quantsmith quantize`: the same engine as the app, with a terminal progress bar and a one-line summary.
import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import { planOutput } from '../core/engine/plan-outputs.ts';
import { runJob } from '../core/engine/run-job.ts';
import { ggmlType } from '../core/quant/ggml-types.ts';
import { parseTensorTypeFile, type QuantizeOptions, type TensorTypeOverride } from '../core/quant/options.ts';
import { readImatrix } from '../core/imatrix/read-imatrix.ts';
import { openNodeFile } from '../io/node-file.ts';
import { createNodeFileSink } from '../io/node-sink.ts';
import { loadWasmModuleFromDisk } from '../io/node-wasm.ts';
import { createNodePool } from '../workers/node-pool.ts';
import type { QuantizeArgs } from './args.ts';
import { openInput } from './open-input.ts';
import { ProgressBar } from './progress-bar.ts';
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
  const options = await withImatrix(await withTensorTypeFiles(optionsFromArgs(args), args));
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
      if (planned.plan.missingKernel) out(`note: ${planned.plan.missingKernel}`);
      if (planned.plan.imatrixEntries > 0) out(`importance matrix: ${planned.plan.imatrixEntries} entries used`);
      out(`${args.type}: ${planned.size} bytes (${formatBytes(planned.size)}), ${percent(planned.size, source.sizeBytes)} of the ${formatBytes(source.sizeBytes)} source; nothing written (--dry-run)`);
      return;
    }
    const output = resolve(args.output!);
    await refuseOverwritingInput(args.input, output);

    const wasm = await loadWasmModuleFromDisk();
    const pool = createNodePool(wasm, args.threads);
    const sink = await createNodeFileSink(output);
    for (const name of sink.removedStale) process.stderr.write(`quantsmith: removed ${name}, left by an earlier run that was killed\n`);
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
        `${args.output}: ${formatBytes(size)} ${args.type}, ${percent(size, source.sizeBytes)} of ${formatBytes(source.sizeBytes)}` +
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
