// Presets as a JSON file, for export and import. The format names itself so a wrong file is refused
// with a clear message; every preset in it is checked exactly as a link would be.
import { QuantsmithError } from '../../core/errors.ts';
import { checkPreset, PresetError, type Preset, type UncheckedPreset } from './preset.ts';

export const PRESET_FILE_FORMAT = 'quantsmith-presets';
export const PRESET_FILE_VERSION = 1;

export interface NamedPreset {
  readonly name: string;
  readonly preset: Preset;
}

interface PresetFile {
  format: typeof PRESET_FILE_FORMAT;
  version: typeof PRESET_FILE_VERSION;
  presets: { name: string; preset: Preset }[];
}

export const MAX_PRESET_NAME = 80;

/** A preset name as stored: trimmed, non-empty, at most 80 characters. */
export function checkPresetName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new QuantsmithError('a preset needs a name');
  const trimmed = name.trim();
  if (trimmed.length > MAX_PRESET_NAME) throw new QuantsmithError(`preset name is longer than ${MAX_PRESET_NAME} characters`);
  return trimmed;
}

export function exportPresets(presets: readonly NamedPreset[]): string {
  const file: PresetFile = {
    format: PRESET_FILE_FORMAT,
    version: PRESET_FILE_VERSION,
    presets: presets.map(({ name, preset }) => ({ name, preset })),
  };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Parses an exported file; throws a QuantsmithError naming the first preset (by name) that is wrong. */
export function importPresets(text: string): NamedPreset[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new QuantsmithError('the file is not JSON');
  }
  const file = data as Partial<PresetFile> | null;
  if (typeof file !== 'object' || file === null || file.format !== PRESET_FILE_FORMAT) {
    throw new QuantsmithError(`the file is not a Quantsmith preset file (expected "format": "${PRESET_FILE_FORMAT}")`);
  }
  if (file.version !== PRESET_FILE_VERSION) {
    throw new QuantsmithError(`unsupported preset file version ${JSON.stringify(file.version)} (expected ${PRESET_FILE_VERSION})`);
  }
  if (!Array.isArray(file.presets)) throw new QuantsmithError('the file has no "presets" list');
  return file.presets.map((entry: unknown, i) => {
    const e = (entry ?? {}) as { name?: unknown; preset?: unknown };
    let name: string;
    try {
      name = checkPresetName(e.name);
    } catch (err) {
      throw new QuantsmithError(`preset ${i + 1}: ${(err as Error).message}`);
    }
    if (typeof e.preset !== 'object' || e.preset === null) throw new QuantsmithError(`preset '${name}': missing its options`);
    try {
      return { name, preset: checkPreset(e.preset as UncheckedPreset, 'json') };
    } catch (err) {
      if (err instanceof PresetError) throw new QuantsmithError(`preset '${name}': ${err.message}`);
      throw err;
    }
  });
}
