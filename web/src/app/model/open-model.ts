// Turning what the user gave (a file, a folder, dropped items) into a ModelSource, with messages that say
// what to do when it cannot be opened.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { isHfFolder, openHfModel } from '../../core/formats/hf/index.ts';
import type { ModelFolder } from '../../core/formats/hf/model-folder.ts';
import { folderFromFiles, folderFromHandle } from '../../io/browser-folder.ts';
import { isDirectoryHandle } from '../../io/browser-fs-types.ts';
import { openModelFile } from '../engine/engine.ts';
import { looseFilesName } from './loose-files-name.ts';
import { openGgufModel } from '../../core/engine/gguf-source.ts';
import { openSplitModel } from '../../core/engine/split-source.ts';
import { findSplitSelection } from './split-selection.ts';

export async function openFile(file: File): Promise<ModelSource> {
  if (/\.safetensors$|^config\.json$|\.safetensors\.index\.json$/i.test(file.name)) {
    throw new QuantsmithError(`${file.name} is one file of a Hugging Face model; open or drop its whole folder instead`);
  }
  return openModelFile(file, file.name);
}

/** A Hugging Face model folder: a directory handle, the folder input's files, or loose dropped files. */
export async function openFolder(folder: FileSystemDirectoryHandle | ModelFolder | readonly File[]): Promise<ModelSource> {
  const modelFolder = Array.isArray(folder)
    ? folderFromFiles(folder as readonly File[], await looseFilesName(folder as readonly File[]))
    : isDirectoryHandle(folder)
      ? await folderFromHandle(folder)
      : (folder as ModelFolder);
  const split = isHfFolder(modelFolder.list()) ? undefined : findSplitSelection(modelFolder.list());
  if (split) return openSplitFolder(modelFolder, split.first);
  if (!isHfFolder(modelFolder.list())) {
    throw new QuantsmithError(`${modelFolder.name} is not a Hugging Face model folder (it needs config.json and .safetensors weights)`);
  }
  return openHfModel(modelFolder);
}

/** A split GGUF model among the chosen files: opened from its first shard, the others looked up beside it. */
async function openSplitFolder(folder: ModelFolder, first: string): Promise<ModelSource> {
  const model = await openGgufModel(await folder.open(first));
  try {
    // the first shard's source is named by its path in the folder, so the siblings' names are paths too
    return await openSplitModel(model, (name) => folder.open(name));
  } catch (e) {
    await model.close();
    throw e;
  }
}

/** What a drop on the page holds, taken from the DataTransfer while the drop event lasts. */
export interface DroppedItems {
  /** File System Access handles, where the browser gives them (Chromium) */
  readonly handles: Promise<(FileSystemHandle | null)[]>;
  readonly files: readonly File[];
  /** a dropped folder seen through the older entries API (browsers without handles) */
  readonly directoryEntry: FileSystemDirectoryEntry | undefined;
}

export function readDrop(data: DataTransfer): DroppedItems {
  const items = [...data.items].filter((i) => i.kind === 'file');
  type WithHandle = DataTransferItem & { getAsFileSystemHandle?(): Promise<FileSystemHandle | null> };
  // every call must happen now: the DataTransfer is emptied once the event handler returns
  const handles = Promise.all(items.map((i) => (i as WithHandle).getAsFileSystemHandle?.().catch(() => null) ?? Promise.resolve(null)));
  const entry = items.map((i) => i.webkitGetAsEntry?.()).find((e) => e?.isDirectory);
  return { handles, files: [...data.files], directoryEntry: entry as FileSystemDirectoryEntry | undefined };
}

/** The files directly inside a dropped folder entry, as a ModelFolder named like the folder. */
export async function folderFromEntry(dir: FileSystemDirectoryEntry): Promise<ModelFolder> {
  const reader = dir.createReader();
  const entries: FileSystemEntry[] = [];
  // readEntries returns the listing in batches until an empty one
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    entries.push(...batch);
  }
  const files = await Promise.all(
    entries
      .filter((e): e is FileSystemFileEntry => e.isFile)
      .map((e) => new Promise<File>((resolve, reject) => e.file(resolve, reject))),
  );
  return folderFromFiles(files, dir.name);
}
