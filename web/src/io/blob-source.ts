// A ByteSource over a browser Blob or File: each read slices the blob, so nothing loads the whole file.
// A Blob posts to a Web Worker as a handle to the same bytes, so its descriptor lets the kernel workers
// read their own slabs (off the page's main thread, which otherwise pays for every read).
import { QuantsmithError } from '../core/errors.ts';
import type { ByteSource, SourceDescriptor } from '../core/byte-source.ts';

export class BlobSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  readonly descriptor: SourceDescriptor;

  constructor(private readonly blob: Blob, name?: string) {
    this.name = name ?? ((blob as Partial<File>).name || 'model');
    this.size = blob.size;
    this.descriptor = { kind: 'blob', name: this.name, blob };
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new QuantsmithError(`${this.name}: read of ${length} bytes past the end of the file (${this.size} bytes)`, offset);
    }
    let bytes: ArrayBuffer;
    try {
      bytes = await this.blob.slice(offset, offset + length).arrayBuffer();
    } catch (e) {
      // the browser refuses to read a File whose file on disk was modified, moved or removed after it was chosen
      if ((e as Error)?.name === 'NotReadableError' || (e as Error)?.name === 'NotFoundError') {
        throw new QuantsmithError(`${this.name} can no longer be read: the file was changed, moved or removed after it was opened`);
      }
      throw e;
    }
    if (bytes.byteLength !== length) {
      throw new QuantsmithError(`${this.name}: file shrank while reading (${length - bytes.byteLength} bytes missing)`, offset + bytes.byteLength);
    }
    return new Uint8Array(bytes);
  }
}

/** In a worker: the blob source a descriptor names. */
export function reopenBlob(d: Extract<SourceDescriptor, { kind: 'blob' }>): BlobSource {
  return new BlobSource(d.blob, d.name);
}
