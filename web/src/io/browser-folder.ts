// A model folder in the browser: the files of a directory picked with <input webkitdirectory>, dropped, or
// opened through the File System Access API. Files are read as Blob slices, never whole.
import { QuantsmithError } from '../core/errors.ts';
import type { ModelFolder } from '../core/formats/hf/model-folder.ts';
import { BlobSource } from './blob-source.ts';

/** Sub-folders deeper than this are not listed: the converter only looks one level down. */
const MAX_DEPTH = 2;

/**
 * Files from a directory picker (their webkitRelativePath starts with the folder's name) or a plain list
 * of files (then `name` names the folder; it feeds general.name, as the folder name does for llama.cpp).
 */
export function folderFromFiles(files: readonly File[], name?: string): ModelFolder {
  const byPath = new Map<string, File>();
  let folderName = name;
  for (const file of files) {
    const parts = (file.webkitRelativePath || file.name).split('/').filter((p) => p !== '');
    if (parts.length > 1) {
      folderName ??= parts[0];
      parts.shift();
    }
    if (parts.length > MAX_DEPTH) continue;
    byPath.set(parts.join('/'), file);
  }
  return mapFolder(folderName ?? 'model', byPath);
}

/** A folder opened with showDirectoryPicker() (or dropped as a FileSystemDirectoryHandle). */
export async function folderFromHandle(handle: FileSystemDirectoryHandle): Promise<ModelFolder> {
  const byPath = new Map<string, File>();
  await collect(handle, '', 1, byPath);
  return mapFolder(handle.name, byPath);
}

async function collect(dir: FileSystemDirectoryHandle, prefix: string, depth: number, out: Map<string, File>): Promise<void> {
  // values() is in every browser with the File System Access API, but not yet in TypeScript's DOM types
  const entries = (dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values();
  for await (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.kind === 'file') out.set(rel, await (entry as FileSystemFileHandle).getFile());
    else if (depth < MAX_DEPTH) await collect(entry as FileSystemDirectoryHandle, rel, depth + 1, out);
  }
}

function mapFolder(name: string, byPath: Map<string, File>): ModelFolder {
  const files = [...byPath.keys()].sort();
  return {
    name,
    list: () => files,
    open: async (path: string) => {
      const file = byPath.get(path);
      if (!file) throw new QuantsmithError(`${name}/${path}: no such file`);
      return new BlobSource(file, path);
    },
  };
}
