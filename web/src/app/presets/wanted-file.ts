// The files a preset names but does not carry (the importance matrix, tensor type files): asked for by name
// and SHA-256 when the preset is opened, and accepted only when the file given has that hash.
import { quoted } from '../../core/errors.ts';
import type { Preset } from './preset.ts';

export interface WantedFile {
  readonly name: string;
  /** hex; undefined when the preset names the file without a hash (then any file is taken) */
  readonly sha256?: string;
}

export type WantedCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** The first 12 hex digits, as the page shows a hash */
export const shortHash = (hex: string): string => `${hex.slice(0, 12)}…`;

/**
 * Whether a file given for `wanted` is that file: its SHA-256 decides, not its name (a download may have
 * been renamed). The refusal names both hashes, short.
 */
export function checkWantedFile(givenName: string, givenSha256: string, wanted: WantedFile): WantedCheck {
  if (wanted.sha256 === undefined || wanted.sha256 === givenSha256.toLowerCase()) return { ok: true };
  return {
    ok: false,
    message: `${quoted(givenName)} is not the file this preset names: its SHA-256 is ${shortHash(givenSha256)}, ` +
      `${quoted(wanted.name)} has ${shortHash(wanted.sha256)}`,
  };
}

/** The importance matrix the preset names, if any. */
export function wantedImatrix(preset: Preset): WantedFile | undefined {
  return preset.imatrixFile === undefined ? undefined : { name: preset.imatrixFile, sha256: preset.imatrixFileSha256 };
}

/** The tensor type files the preset names, in order. */
export function wantedTensorTypeFiles(preset: Preset): WantedFile[] {
  return preset.tensorTypeFiles.map((name, i) => ({ name, sha256: preset.tensorTypeFilesSha256[i] }));
}
