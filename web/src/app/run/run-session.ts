// One run from the page: ask where the outputs go (and about names already taken there), guard the page
// against leaving, run the job with progress, and end in done, cancelled or failed. The browser's pickers,
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
import { hashingSink } from './hashing-sink.ts';
import { workerSha256, type StreamHasher } from './stream-hasher.ts';
import { guardLeaving } from './leave-guard.ts';
import { decideOutputNames, type ConflictChoice } from './output-conflicts.ts';
import { outputFileName } from './output-names.ts';
import type { RunOutput, RunState } from './run-state.ts';

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
  let chosen: ChosenOutput[];
  try {
    chosen = await deps.chooseOutputs(types.map((t) => outputFileName(fileName, t)), (wanted, existing) =>
      decideOutputNames(wanted, existing, deps.askAboutClash),
    );
  } catch (err) {
    if (!isPickerDismissed(err)) deps.show({ kind: 'failed', modelName: fileName, message: errorText(err) });
    return undefined;
  }
  const sinks = chosen.map((c) => hashingSink(c.sink, (deps.hasher ?? workerSha256)()));
  const outputs: RunOutput[] = chosen.map((c, k) => {
    const plan = req.plans.get(types[k]);
    return { type: types[k], fileName: c.fileName, location: c.location, plannedSize: plan?.ok ? plan.size : 0, download: c.download, readBack: c.readBack };
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
      outputs: outputs.map((o, k) => ({ ...o, size: result.outputs[k].size, sha256: sinks[k].sha256Hex(), plan: result.outputs[k].plan })),
      seconds: result.seconds,
      preset,
      hfOuttype: req.hfOuttype,
    };
    deps.show(done);
    deps.announce(`Done: ${done.outputs.map((o) => o.fileName).join(', ')} written.`);
    return done;
  } catch (err) {
    if (!jobStarted) await Promise.allSettled(sinks.map((s) => s.abort()));
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
