// One run from the page: ask where the outputs go (and about names already taken there), guard the page
// against leaving, run the job with progress, and end in done, cancelled or failed. A split output is one
// file per shard, named as llama.cpp names them, each hashed as it is written and all committed together. The browser's pickers,
// pool and engine come in as dependencies, so the whole sequence is unit-tested with fakes.
import type { JobProgress } from '../../core/engine/api.ts';
import type { ModelSource } from '../../core/engine/model-source.ts';
import type { KernelPool } from '../../core/engine/pool.ts';
import type { runJob } from '../../core/engine/run-job.ts';
import { CancelledError } from '../../core/errors.ts';
import type { ChosenOutput, NameOutputs } from '../../io/browser-pickers.ts';
import { isPickerDismissed } from '../../io/browser-fs-types.ts';
import type { ChosenImatrix } from '../model/imatrix-session.ts';
import { optionsFor } from '../model/beside-files.ts';
import type { ChosenTensorTypeFile } from '../model/tensor-type-file-session.ts';
import type { TypeOutlook } from '../plan/type-plans.ts';
import type { Preset } from '../presets/preset.ts';
import type { FloatOuttype } from './command-lines.ts';
import { splitPrefixOf } from '../../core/formats/gguf/split-names.ts';
import { shardedSink } from '../../core/engine/sharded-sink.ts';
import type { ByteSink } from '../../core/byte-source.ts';
import { hashingSink, type HashingSink } from './hashing-sink.ts';
import { workerSha256, type StreamHasher } from './stream-hasher.ts';
import { shardHasher } from './shard-hasher.ts';
import { guardLeaving } from './leave-guard.ts';
import { decideOutputFiles, type ConflictChoice, type WantedOutput } from './output-conflicts.ts';
import { outputFileName, outputFileNames } from './output-names.ts';
import type { FinishedOutput, RunOutput, RunState } from './run-state.ts';

export interface RunRequest {
  readonly source: ModelSource;
  readonly fileName: string;
  readonly preset: Preset;
  readonly plans: ReadonlyMap<string, TypeOutlook>;
  /** set for a Hugging Face folder: the float type it was converted to */
  readonly hfOuttype?: FloatOuttype;
  /** the importance matrix chosen beside the model */
  readonly imatrix?: ChosenImatrix | null;
  /** the tensor type files opened beside the model (the preset says which it uses) */
  readonly tensorTypeFiles?: readonly ChosenTensorTypeFile[];
}

export interface RunDeps {
  chooseOutputs(fileNames: readonly string[], nameOutputs: NameOutputs): Promise<ChosenOutput[]>;
  askAboutClash(files: readonly string[]): Promise<ConflictChoice>;
  pool(): Promise<KernelPool>;
  runJob: typeof runJob;
  /** where beforeunload and pagehide arrive (window) */
  page: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** every change of the run's state */
  show(run: RunState): void;
  announce(text: string): void;
  /** a SHA-256 for each output (default: on a worker of its own, off the main thread) */
  hasher?(): StreamHasher;
}

export type FinishedRun = Extract<RunState, { kind: 'done' }>;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Runs the request's types; `abort` is the Cancel button. Resolves with the finished run, or undefined when
 * it was dismissed, cancelled or failed (each shown through `show`).
 */
export async function runOutputs(req: RunRequest, deps: RunDeps, abort: AbortController): Promise<FinishedRun | undefined> {
  const { source, fileName, preset } = req;
  const types = [...preset.types];
  // a split output is several files, named as llama.cpp names shards; the folder question covers every one
  const wanted: WantedOutput[] = types.map((t) => {
    const plan = req.plans.get(t);
    return { name: outputFileName(fileName, t), shards: plan?.ok && plan.namedAsShards ? plan.fileSizes.length : undefined };
  });
  const fileSizes = types.map((t) => {
    const plan = req.plans.get(t);
    return plan?.ok ? plan.fileSizes : [0];
  });
  const counts = wanted.map((w) => w.shards ?? 1);
  let chosen: ChosenOutput[];
  try {
    chosen = await deps.chooseOutputs(wanted.flatMap((w) => outputFileNames(w.name, w.shards)), async (_, existing) => {
      const files = await decideOutputFiles(wanted, existing, deps.askAboutClash);
      return files && files.flat();
    });
  } catch (err) {
    if (!isPickerDismissed(err)) deps.show({ kind: 'failed', modelName: fileName, message: errorText(err) });
    return undefined;
  }
  const makeHasher = deps.hasher ?? workerSha256;
  const shardSizes = wanted.flatMap((w, k): (number | undefined)[] => (w.shards === undefined ? [undefined] : [...fileSizes[k]]));
  const fileSinks = chosen.map((c, i) => {
    const size = shardSizes[i];
    return hashingSink(c.sink, size === undefined ? makeHasher() : shardHasher(makeHasher, size));
  });
  const groups = groupBy(counts, chosen.map((c, i) => ({ chosen: c, sink: fileSinks[i] })));
  const sinks: ByteSink[] = groups.map((g, k) =>
    g.length === 1 ? g[0].sink : shardedSink(fileSizes[k], g.map((f) => f.sink)),
  );
  const outputs: RunOutput[] = groups.map((g, k) => {
    const plan = req.plans.get(types[k]);
    const first = g[0].chosen;
    const base = { type: types[k], fileName: first.fileName, location: first.location, plannedSize: plan?.ok ? plan.size : 0 };
    if (wanted[k].shards === undefined) return { ...base, download: first.download, readBack: first.readBack };
    return {
      ...base,
      location: g.length === 1 ? first.location : `${g.length} files: ${first.location} …`,
      split: {
        outputName: splitOutputName(first.fileName, g.length),
        shards: g.map((f, i) => ({ fileName: f.chosen.fileName, location: f.chosen.location, plannedSize: fileSizes[k][i] ?? 0, download: f.chosen.download, readBack: f.chosen.readBack })),
      },
    };
  });
  // leaving mid-run: ask first; if the page goes anyway, drop the outputs (no file left under a final name)
  const guard = guardLeaving(deps.page, () => {
    abort.abort();
    for (const c of chosen) c.sink.abandon();
  });
  let running: Extract<RunState, { kind: 'running' }> = { kind: 'running', modelName: fileName, outputs, progress: null, cancelling: false };
  deps.show(running);
  deps.announce(`Quantizing ${fileName} to ${types.join(', ')}.`);
  let jobStarted = false;
  try {
    const pool = await deps.pool();
    if (abort.signal.aborted) throw new CancelledError();
    jobStarted = true;
    const result = await deps.runJob(
      source,
      types.map((t, k) => ({ options: optionsFor(preset, t, { imatrix: req.imatrix ?? null, tensorTypeFiles: req.tensorTypeFiles ?? [] }), sink: sinks[k] })),
      pool,
      {
        signal: abort.signal,
        onProgress: (progress: JobProgress) => {
          running = { ...running, progress, cancelling: abort.signal.aborted };
          deps.show(running);
        },
      },
    );
    const done: FinishedRun = {
      kind: 'done',
      modelName: fileName,
      sourceSize: source.sizeBytes,
      outputs: outputs.map((o, k) => finished(o, groups[k].map((f) => f.sink), result.outputs[k].size, result.outputs[k].plan)),
      seconds: result.seconds,
      preset,
      hfOuttype: req.hfOuttype,
    };
    deps.show(done);
    deps.announce(`Done: ${done.outputs.flatMap((o) => o.split ? o.split.shards.map((f) => f.fileName) : [o.fileName]).join(', ')} written.`);
    return done;
  } catch (err) {
    if (!jobStarted) await Promise.allSettled(fileSinks.map((s) => s.abort()));
    if (err instanceof CancelledError || abort.signal.aborted) {
      deps.show({ kind: 'cancelled', modelName: fileName });
      deps.announce('Cancelled. No output file was saved.');
    } else {
      deps.show({ kind: 'failed', modelName: fileName, message: errorText(err) });
      deps.announce(`The run failed: ${errorText(err)}`);
    }
    return undefined;
  } finally {
    guard.release();
  }
}

/** `items` cut into consecutive groups of the given sizes. */
function groupBy<T>(counts: readonly number[], items: readonly T[]): T[][] {
  let at = 0;
  return counts.map((n) => items.slice(at, (at += n)));
}

/** The name a split output's shards are named after: "m-Q8_0 (1)-00001-of-00003.gguf" → "m-Q8_0 (1).gguf". */
function splitOutputName(firstShard: string, count: number): string {
  return `${splitPrefixOf(firstShard, 0, count) ?? firstShard.replace(/\.gguf$/, '')}.gguf`;
}

/** A committed output with each file's size and SHA-256. */
function finished(o: RunOutput, files: readonly HashingSink[], size: number, plan: FinishedOutput['plan']): FinishedOutput {
  const sha256 = files[0].sha256Hex();
  const { split, ...single } = o;
  if (!split) return { ...single, size, sha256, plan };
  const shards = split.shards.map((f, i) => ({ ...f, size: f.plannedSize, sha256: files[i].sha256Hex() }));
  return { ...single, size, sha256, plan, split: { outputName: split.outputName, shards } };
}
