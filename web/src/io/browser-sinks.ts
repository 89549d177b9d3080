// Where the app's outputs go. With the File System Access API: a writable on the chosen file, which writes
// to a hidden swap file and only replaces the target on close() — so commit = close, abort = abort, and a
// cancelled run leaves no finished-looking file. Without it (Firefox, Safari): the origin private file
// system as staging, then the finished file is offered as a download; as a last resort, memory.
import { fileSave } from 'browser-fs-access';
import type { ByteSink } from '../core/byte-source.ts';
import type { PermissionedHandle } from './browser-fs-types.ts';

/**
 * A sink writing `handle` through createWritable(). `cleanupOnAbort` runs after the writable is aborted
 * (to remove an entry the app created for this output).
 */
export async function writableSink(handle: FileSystemFileHandle, cleanupOnAbort?: () => Promise<void>): Promise<ByteSink> {
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
      await cleanupOnAbort?.().catch(() => {});
    },
  };
}

/** The file a save dialog returned. The dialog may have created it empty; an aborted run removes it when it is still empty. */
export function savedFileSink(handle: FileSystemFileHandle): Promise<ByteSink> {
  return writableSink(handle, async () => {
    const removable = handle as FileSystemFileHandle & PermissionedHandle;
    if (removable.remove && (await handle.getFile()).size === 0) await removable.remove();
  });
}

/** A file named `name` in a chosen folder; created for this run, so an aborted run removes it again. */
export async function folderFileSink(dir: FileSystemDirectoryHandle, name: string): Promise<ByteSink> {
  const existed = await dir.getFileHandle(name).then(() => true, () => false);
  const handle = await dir.getFileHandle(name, { create: true });
  return writableSink(handle, async () => {
    if (!existed) await dir.removeEntry(name);
  });
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

export interface DownloadSink extends ByteSink {
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
    download: offer,
    file,
  };
}
