// A ByteSource over a file on disk (Node only): positioned reads through one open file descriptor. Its
// descriptor lets a kernel worker thread open the same file by path and read its own slabs (straight into
// its WASM heap); the file's identity (device, inode, size, modification time) is checked at that open and
// after every read, so a file replaced, truncated or rewritten meanwhile stops the job by name.
import { open, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { basename, resolve } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import type { ByteSource, SourceDescriptor } from '../core/byte-source.ts';

type FileDescriptor = Extract<SourceDescriptor, { kind: 'file' }>;

export class NodeFileSource implements ByteSource {
  readonly descriptor: FileDescriptor;

  private constructor(
    private readonly handle: FileHandle,
    readonly name: string,
    readonly size: number,
    path: string,
    private readonly identity: string,
  ) {
    this.descriptor = { kind: 'file', name, path, size, identity };
  }

  static async open(path: string): Promise<NodeFileSource> {
    const handle = await openOrExplain(path, (reason) => `cannot open '${path}': ${reason}`);
    try {
      const info = await handle.stat({ bigint: true });
      return new NodeFileSource(handle, basename(path), Number(info.size), resolve(path), identityOf(info));
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** In a worker: the file `d` names, if it is still the one its opener opened (else a QuantsmithError). */
  static async reopen(d: FileDescriptor): Promise<NodeFileSource> {
    const handle = await openOrExplain(d.path, (reason) => `${d.name} can no longer be opened (${reason}): it was moved or removed while being read`);
    try {
      const info = await handle.stat({ bigint: true });
      if (identityOf(info) !== d.identity) throw changed(d.name);
      return new NodeFileSource(handle, d.name, d.size, d.path, d.identity);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.checkRange(offset, length);
    const out = new Uint8Array(length);
    await this.readInto(offset, out);
    return out;
  }

  async readInto(offset: number, into: Uint8Array): Promise<void> {
    const length = into.byteLength;
    this.checkRange(offset, length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(into, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new QuantsmithError(`${this.name}: file shrank while reading (${length - done} bytes missing)`, offset + done);
      }
      done += bytesRead;
    }
    // bytes read from a file being rewritten may mix old and new: refuse them rather than quantize them
    if (identityOf(await this.handle.stat({ bigint: true })) !== this.identity) throw changed(this.name);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private checkRange(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new QuantsmithError(`${this.name}: read of ${length} bytes past the end of the file (${this.size} bytes)`, offset);
    }
  }
}

export function openNodeFile(path: string): Promise<NodeFileSource> {
  return NodeFileSource.open(path);
}

function identityOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
}

function changed(name: string): QuantsmithError {
  return new QuantsmithError(`${name} changed while it was being read (modified, truncated or replaced); the job was stopped`);
}

async function openOrExplain(path: string, message: (reason: string) => string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : String((e as Error).message);
    throw new QuantsmithError(message(reason));
  }
}
