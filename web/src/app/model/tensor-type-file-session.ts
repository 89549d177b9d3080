// --tensor-type-file in the app: the user opens the file, it is read as llama-quantize reads it (REGEX=TYPE
// words separated by white space, each parsed as --tensor-type), and its entries follow the preset's own
// --tensor-type rows, as they do on the command line the app prints (--tensor-type … --tensor-type-file NAME).
import { QuantsmithError, quoted } from '../../core/errors.ts';
import { checkWantedFile, type WantedFile } from '../presets/wanted-file.ts';
import { parseTensorTypeFile, type QuantizeOptions, type TensorTypeOverride } from '../../core/quant/options.ts';

export interface ChosenTensorTypeFile {
  readonly fileName: string;
  readonly sha256: string;
  readonly entries: readonly TensorTypeOverride[];
}

/** A tensor type file is a short list; anything bigger is not one. */
export const MAX_TENSOR_TYPE_FILE_BYTES = 1024 * 1024;

/** Reads the file's entries; a file that is not one is refused with one line naming it and the problem. */
export async function openTensorTypeFile(file: Blob, name: string, sha256: (file: Blob) => Promise<string>): Promise<ChosenTensorTypeFile> {
  if (file.size > MAX_TENSOR_TYPE_FILE_BYTES) {
    throw new QuantsmithError(`${quoted(name)} is ${file.size} bytes: a tensor type file is a short text of REGEX=TYPE entries (at most 1 MiB here)`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = '\0';
  }
  if (text.includes('\0')) throw new QuantsmithError(`${quoted(name)} is not a text file: a tensor type file holds REGEX=TYPE entries`);
  const entries = parseTensorTypeFile(text, quoted(name));
  for (const e of entries) {
    try {
      new RegExp(e.pattern);
    } catch {
      throw new QuantsmithError(`${quoted(name)}: '${e.pattern}' is not a valid regular expression`);
    }
  }
  return { fileName: name, sha256: await sha256(file), entries };
}

/** A tensor type file given for one a preset names: accepted only with the SHA-256 the preset names. */
export async function openWantedTensorTypeFile(file: Blob, name: string, wanted: WantedFile | undefined, sha256: (file: Blob) => Promise<string>): Promise<ChosenTensorTypeFile> {
  const chosen = await openTensorTypeFile(file, name, sha256);
  const check = wanted ? checkWantedFile(name, chosen.sha256, wanted) : { ok: true as const };
  if (!check.ok) throw new QuantsmithError(check.message);
  return chosen;
}

/**
 * The preset naming `chosen` in place of the file at `index` (or, without an index, in place of a file of
 * the same name, else after the others). Each named file keeps its hash: the opened file's, else the
 * preset's; the hashes stop at the first file that has none (they pair with the names by position).
 */
export function namingTensorTypeFile<P extends { readonly tensorTypeFiles: readonly string[]; readonly tensorTypeFilesSha256: readonly string[] }>(
  preset: P, opened: readonly ChosenTensorTypeFile[], chosen: ChosenTensorTypeFile | null, index?: number,
): P {
  const names = [...preset.tensorTypeFiles];
  const hashes: (string | undefined)[] = names.map((_, i) => preset.tensorTypeFilesSha256[i]);
  const at = index ?? (chosen ? names.indexOf(chosen.fileName) : -1);
  if (chosen === null) {
    if (at >= 0) { names.splice(at, 1); hashes.splice(at, 1); }
  } else if (at >= 0) {
    names[at] = chosen.fileName;
    hashes[at] = chosen.sha256;
  } else {
    names.push(chosen.fileName);
    hashes.push(chosen.sha256);
  }
  for (let i = 0; i < names.length; i++) {
    hashes[i] ??= opened.find((f) => f.fileName === names[i])?.sha256;
  }
  const gap = hashes.indexOf(undefined);
  return { ...preset, tensorTypeFiles: names, tensorTypeFilesSha256: (gap < 0 ? hashes : hashes.slice(0, gap)) as string[] };
}

/** The engine's options with the files' entries after the preset's --tensor-type rows, in file order. */
export function withTensorTypeFiles(options: QuantizeOptions, files: readonly ChosenTensorTypeFile[]): QuantizeOptions {
  if (files.length === 0) return options;
  return {
    ...options,
    tensorTypes: [...(options.tensorTypes ?? []), ...files.flatMap((f) => f.entries)],
    tensorTypeFiles: files.map((f) => f.fileName),
  };
}
