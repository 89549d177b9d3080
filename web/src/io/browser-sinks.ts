// Where the app's outputs go. With the File System Access API: a writable on the chosen file, which writes
// to a hidden swap file and only replaces the target on close() — so commit = close, abort = abort, and a
// cancelled run leaves no finished-looking file. Without it (Firefox, Safari): the origin private file
// system as staging, then the finished file is offered as a download; as a last resort, memory.
import { fileSave } from 'browser-fs-access';
import type { ByteSink } from '../core/byte-source.ts';
import type { PermissionedHandle } from './browser-fs-types.ts';

/**
 * A browser output. Besides commit and abort, `abandon()` is for a page that is going away (tab closed or
 * reloaded mid-run): it starts aborting the writable and removing what this run created at the same time,
 * without waiting for either, because no promise settles after the page is gone (Chromium still carries
 * out both requests).
 */
export interface OutputSink extends ByteSink {
  abandon(): void;
}

/**
 * A sink writing `handle` through createWritable(). `created` is the entry this run made for the output
 * (removed when the run is aborted or abandoned), or undefined when the file was there before.
 */
export async function writableSink(handle: FileSystemFileHandle, created?: () => Promise<void>): Promise<OutputSink> {
  const writable = await handle.createWritable({ keepExistingData: false });
  let open = true;
  return {
    write: (data) => writable.write(data as Uint8Array<ArrayBuffer>),
    async commit() {
      open = false;
      await writable.close();
    },
    async abort() {
      if (open) {
        open = false;
        await writable.abort().catch(() => {});
      }
      await created?.().catch(() => {});
    },
    abandon() {
      if (!open) return;
      open = false;
      void writable.abort().catch(() => {});
      void created?.().catch(() => {});
    },
  };
}

/** The file a save dialog returned. The dialog may have created it empty; if so, an aborted run removes it. */
export async function savedFileSink(handle: FileSystemFileHandle): Promise<OutputSink> {
  const removable = handle as FileSystemFileHandle & PermissionedHandle;
  const empty = (await handle.getFile().then((f) => f.size, () => -1)) === 0;
  return writableSink(handle, empty && removable.remove ? () => removable.remove!() : undefined);
}

/** A file named `name` in a chosen folder; when this run creates it, an aborted run removes it again. */
export async function folderFileSink(dir: FileSystemDirectoryHandle, name: string): Promise<OutputSink> {
  const existed = await dir.getFileHandle(name).then(() => true, () => false);
  const handle = await dir.getFileHandle(name, { create: true });
  return writableSink(handle, existed ? undefined : () => dir.removeEntry(name));
}

const STAGING_DIR = 'quantsmith-outputs';

/** The staging folder in the origin private file system, or undefined where there is none. */
async function stagingDir(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    const root = await navigator.storage.getDirectory();
    return await root.getDirectoryHandle(STAGING_DIR, { create: true });
  } catch {
    return undefined;
  }
}

/** Drops staged outputs of earlier runs (their downloads were offered then). */
export async function clearStagedOutputs(): Promise<void> {
  try {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(STAGING_DIR, { recursive: true });
  } catch {
    // nothing staged, or no OPFS
  }
}

export interface DownloadSink extends OutputSink {
  /** offer the committed file as a download again */
  download(): Promise<void>;
  /** the committed file (staged in OPFS or memory) */
  file(): Blob;
}

/** Fallback for browsers without save pickers: stage in OPFS (or memory), offer a download on commit. */
export async function downloadSink(name: string): Promise<DownloadSink> {
  const dir = await stagingDir();
  const handle = dir ? await dir.getFileHandle(name, { create: true }).catch(() => undefined) : undefined;
  const writable = handle ? await handle.createWritable().catch(() => undefined) : undefined;
  let finished: Blob | undefined;
  const offer = async () => {
    if (!finished) throw new Error('the output is not finished');
    await fileSave(finished, { fileName: name, extensions: ['.gguf'], description: 'GGUF model' });
  };
  const file = () => {
    if (!finished) throw new Error('the output is not finished');
    return finished;
  };

  if (dir && handle && writable) {
    return {
      write: (data) => writable.write(data as Uint8Array<ArrayBuffer>),
      async commit() {
        await writable.close();
        finished = await handle.getFile();
        await offer();
      },
      async abort() {
        await writable.abort().catch(() => {});
        await dir.removeEntry(name).catch(() => {});
      },
      abandon() {
        void writable.abort().catch(() => {});
        void dir.removeEntry(name).catch(() => {});
      },
      download: offer,
      file,
    };
  }
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  return {
    async write(data) {
      chunks.push(data.slice() as Uint8Array<ArrayBuffer>);
    },
    async commit() {
      finished = new Blob(chunks, { type: 'application/octet-stream' });
      chunks.length = 0;
      await offer();
    },
    async abort() {
      chunks.length = 0;
    },
    abandon() {
      chunks.length = 0;
    },
    download: offer,
    file,
  };
}
