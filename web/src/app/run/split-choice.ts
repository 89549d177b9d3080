// The split-output choice as the app's editor offers it: one file, split by size, split by tensor count,
// or keep the input's shards. These are exclusive (llama.cpp refuses them together), so the choice sets
// one of the preset's split fields and clears the others.
import type { Preset } from '../presets/preset.ts';

export type SplitMode = 'single' | 'size' | 'tensors' | 'keep';

export function splitMode(p: Preset): SplitMode {
  if (p.keepSplit) return 'keep';
  if (p.splitMaxSize !== undefined) return 'size';
  if (p.splitMaxTensors !== undefined) return 'tensors';
  return 'single';
}

/** The preset with `mode`'s field set to its value as typed (checked afterwards by checkPreset) and the others cleared. */
export function withSplit(p: Preset, mode: SplitMode, size: string, tensors: string): Preset {
  const { splitMaxSize: _s, splitMaxTensors: _t, ...rest } = p;
  const base: Preset = { ...rest, keepSplit: mode === 'keep' };
  if (mode === 'size') return { ...base, splitMaxSize: size };
  if (mode === 'tensors') return { ...base, splitMaxTensors: tensors };
  return base;
}
