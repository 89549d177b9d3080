// The files opened beside the model that a run reads besides it: the importance matrix and the tensor
// type files. A preset names them (with their hashes); these are their contents, which it never carries.
import { QuantsmithError, quoted } from '../../core/errors.ts';
import type { QuantizeOptions, TensorTypeOverride } from '../../core/quant/options.ts';
import { toQuantizeOptions, type Preset } from '../presets/preset.ts';
import { wantedTensorTypeFiles } from '../presets/wanted-file.ts';
import { withImatrix, type ChosenImatrix } from './imatrix-session.ts';
import { withTensorTypeFiles, type ChosenTensorTypeFile } from './tensor-type-file-session.ts';

export interface BesideFiles {
  readonly imatrix: ChosenImatrix | null;
  /** the tensor type files opened (a preset names which of them it uses, in its order) */
  readonly tensorTypeFiles: readonly ChosenTensorTypeFile[];
}

export const NOTHING_BESIDE: BesideFiles = Object.freeze({ imatrix: null, tensorTypeFiles: Object.freeze([]) });

/** The opened file a preset's named tensor type file is: same name and, when the preset has it, same hash. */
export function openedTensorTypeFile(files: readonly ChosenTensorTypeFile[], name: string, sha256?: string): ChosenTensorTypeFile | undefined {
  return files.find((f) => f.fileName === name && (sha256 === undefined || f.sha256 === sha256));
}

/**
 * The engine's options for one type of the preset, with the files beside the model read in. A tensor type
 * file the preset names but that was not opened is refused (as the importance matrix is by the plan).
 */
export function optionsFor(preset: Preset, ftype: string, beside: BesideFiles | null): QuantizeOptions {
  const files = beside?.tensorTypeFiles ?? [];
  const used = wantedTensorTypeFiles(preset).map((w) => {
    const opened = openedTensorTypeFile(files, w.name, w.sha256);
    if (!opened) throw new QuantsmithError(`the tensor type file ${quoted(w.name)} is named but was not opened: open it, or go on without it`);
    return opened;
  });
  return withTensorTypeFiles(withImatrix(toQuantizeOptions(preset, ftype), beside?.imatrix ?? null), used);
}

/** Every --tensor-type row the run applies, in order: the preset's own, then its opened files' entries. */
export function appliedTensorTypes(preset: Preset, files: readonly ChosenTensorTypeFile[]): TensorTypeOverride[] {
  return [
    ...preset.tensorTypes,
    ...wantedTensorTypeFiles(preset).flatMap((w) => openedTensorTypeFile(files, w.name, w.sha256)?.entries ?? []),
  ];
}
