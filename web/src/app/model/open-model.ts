// Turning what the user gave (a file, a folder, dropped items) into a ModelSource, with messages that say
// what to do when it cannot be opened.
import type { ModelSource } from '../../core/engine/model-source.ts';
import { QuantsmithError } from '../../core/errors.ts';
import { openModelFile } from '../engine/engine.ts';

export async function openFile(file: File): Promise<ModelSource> {
  return openModelFile(file, file.name);
}

/** A Hugging Face model folder, as a handle (pickers, drops) or as files (the folder input). */
export async function openFolder(folder: FileSystemDirectoryHandle | readonly File[]): Promise<ModelSource> {
  const name = Array.isArray(folder) ? (folder[0]?.webkitRelativePath.split('/')[0] || 'the files') : (folder as FileSystemDirectoryHandle).name;
  throw new QuantsmithError(`${name}: Hugging Face model folders are not supported yet; open a .gguf file instead`);
}

/** What a drop on the page holds, taken from the DataTransfer while the drop event lasts. */
export interface DroppedItems {
  /** File System Access handles, where the browser gives them (Chromium) */
  readonly handles: Promise<(FileSystemHandle | null)[]>;
  readonly files: readonly File[];
  readonly anyDirectory: boolean;
}

export function readDrop(data: DataTransfer): DroppedItems {
  const items = [...data.items].filter((i) => i.kind === 'file');
  type WithHandle = DataTransferItem & { getAsFileSystemHandle?(): Promise<FileSystemHandle | null> };
  // every call must happen now: the DataTransfer is emptied once the event handler returns
  const handles = Promise.all(items.map((i) => (i as WithHandle).getAsFileSystemHandle?.().catch(() => null) ?? Promise.resolve(null)));
  const anyDirectory = items.some((i) => i.webkitGetAsEntry?.()?.isDirectory === true);
  return { handles, files: [...data.files], anyDirectory };
}
