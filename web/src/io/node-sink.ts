// A ByteSink that writes a file on disk without ever showing a half-written file under its final name:
// bytes go to a temporary file beside the target, renamed over it only on commit(); abort() deletes it.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import type { ByteSink } from '../core/byte-source.ts';
import { partialPathFor, removeStalePartials } from './stale-partials.ts';

/** small writes are gathered up to this size before they reach the file */
const COALESCE_BYTES = 1 << 20;

export interface NodeFileSink extends ByteSink {
  readonly path: string;
  readonly tempPath: string;
  /** temporary files of this output that earlier, killed runs left behind, removed on creation */
  readonly removedStale: readonly string[];
}

export async function createNodeFileSink(path: string): Promise<NodeFileSink> {
  const removedStale = await removeStalePartials(path);
  const tempPath = partialPathFor(path);
  const file: FileHandle = await open(tempPath, 'wx');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let done = false;
  let finished = false;

  async function flush() {
    if (pendingBytes === 0) return;
    const chunks = pending;
    pending = [];
    pendingBytes = 0;
    await file.writev(chunks);
  }

  async function finish() {
    if (done || finished) return;
    await flush();
    await file.sync();
    await file.close();
    finished = true;
  }

  return {
    path,
    tempPath,
    removedStale,
    async write(data) {
      if (done || finished) throw new Error('write after the output was closed');
      if (data.byteLength >= COALESCE_BYTES) {
        await flush();
        await file.write(data);
        return;
      }
      pending.push(data);
      pendingBytes += data.byteLength;
      if (pendingBytes >= COALESCE_BYTES) await flush();
    },
    finish,
    async commit() {
      if (done) return;
      await finish();
      done = true;
      await rename(tempPath, path);
    },
    async abort() {
      if (done) return;
      done = true;
      pending = [];
      if (!finished) await file.close().catch(() => {});
      await unlink(tempPath).catch(() => {});
    },
  };
}
