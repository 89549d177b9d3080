// A ByteSource over a file on disk (Node only): positioned reads through one open file descriptor.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { QuantsmithError } from '../core/errors.ts';
import type { ByteSource } from '../core/byte-source.ts';

export class NodeFileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly name: string,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<NodeFileSource> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : String((e as Error).message);
      throw new QuantsmithError(`cannot open '${path}': ${reason}`);
    }
    try {
      const { size } = await handle.stat();
      return new NodeFileSource(handle, basename(path), size);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new QuantsmithError(`${this.name}: read of ${length} bytes past the end of the file (${this.size} bytes)`, offset);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new QuantsmithError(`${this.name}: file shrank while reading (${length - done} bytes missing)`, offset + done);
      }
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export function openNodeFile(path: string): Promise<NodeFileSource> {
  return NodeFileSource.open(path);
}
