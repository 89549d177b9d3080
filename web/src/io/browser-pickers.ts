// Choosing files with the File System Access pickers where the browser has them. Callers fall back to
// the page's file inputs (and to downloads for outputs) where it does not.
import { folderFileSink, savedFileSink, downloadSink, clearStagedOutputs, type OutputSink } from './browser-sinks.ts';
import { fsWindow, GGUF_PICKER_TYPES, type PermissionedHandle } from './browser-fs-types.ts';

export const canPickFiles = (): boolean => typeof fsWindow().showOpenFilePicker === 'function';
export const canPickFolders = (): boolean => typeof fsWindow().showDirectoryPicker === 'function';
export const canSaveFiles = (): boolean =>
  typeof fsWindow().showSaveFilePicker === 'function' && typeof fsWindow().showDirectoryPicker === 'function';

/** Opens the system's file dialog for a GGUF (several files: the shards of a split model); rejects with AbortError when dismissed. */
export function pickModelFiles(): Promise<FileSystemFileHandle[]> {
  return fsWindow().showOpenFilePicker!({ id: 'quantsmith-models', types: GGUF_PICKER_TYPES, multiple: true });
}

/** Opens the system's folder dialog (Hugging Face model folders). */
export function pickModelFolder(): Promise<FileSystemDirectoryHandle> {
  return fsWindow().showDirectoryPicker!({ id: 'quantsmith-models', mode: 'read' });
}

/** Asks again for read access to a remembered handle; false when the user says no. */
export async function ensureReadPermission(handle: FileSystemHandle): Promise<boolean> {
  const h = handle as FileSystemHandle & PermissionedHandle;
  if (!h.queryPermission || !h.requestPermission) return true;
  if ((await h.queryPermission({ mode: 'read' })) === 'granted') return true;
  return (await h.requestPermission({ mode: 'read' })) === 'granted';
}

export interface ChosenOutput {
  readonly fileName: string;
  readonly sink: OutputSink;
  /** where the file ends up, in words: "pydoc-Q8_0.gguf in models/" or "download" */
  readonly location: string;
  /** offer the finished file again (download fallback only) */
  readonly download?: () => Promise<void>;
  /** the finished file, read back from where it was written (to publish it) */
  readonly readBack?: () => Promise<Blob>;
}

/**
 * For a chosen folder: the names to write given the names already in it (the caller may ask the user),
 * or null to write nothing.
 */
export type NameOutputs = (wanted: readonly string[], existing: ReadonlySet<string>) => Promise<string[] | null>;

async function entryNames(dir: FileSystemDirectoryHandle): Promise<Set<string>> {
  const names = new Set<string>();
  // keys() is in every browser with the File System Access API, but not yet in TypeScript's DOM types
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.add(name);
  return names;
}

/**
 * Asks where the outputs go: a save dialog for one output (the system's dialog asks about replacing), a
 * folder for several (`nameOutputs` decides about names already there). Without pickers the outputs are
 * staged and downloaded. Rejects with AbortError when the user dismisses a dialog or cancels.
 */
export async function chooseOutputs(fileNames: readonly string[], nameOutputs?: NameOutputs): Promise<ChosenOutput[]> {
  const w = fsWindow();
  if (canSaveFiles()) {
    if (fileNames.length === 1) {
      const handle = await w.showSaveFilePicker!({
        id: 'quantsmith-outputs',
        suggestedName: fileNames[0],
        types: GGUF_PICKER_TYPES,
      });
      return [{ fileName: handle.name, sink: await savedFileSink(handle), location: handle.name, readBack: () => handle.getFile() }];
    }
    const dir = await w.showDirectoryPicker!({ id: 'quantsmith-outputs', mode: 'readwrite' });
    const names = nameOutputs ? await nameOutputs(fileNames, await entryNames(dir)) : [...fileNames];
    if (!names) throw new DOMException('the user chose not to replace existing files', 'AbortError');
    const outputs: ChosenOutput[] = [];
    for (const name of names) {
      outputs.push({
        fileName: name,
        sink: await folderFileSink(dir, name),
        location: `${name} in ${dir.name || 'the chosen folder'}`,
        readBack: async () => (await dir.getFileHandle(name)).getFile(),
      });
    }
    return outputs;
  }
  await clearStagedOutputs();
  const outputs: ChosenOutput[] = [];
  for (const name of fileNames) {
    const sink = await downloadSink(name);
    outputs.push({ fileName: name, sink, location: `${name} (download)`, download: () => sink.download(), readBack: async () => sink.file() });
  }
  return outputs;
}
