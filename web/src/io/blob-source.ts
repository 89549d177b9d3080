// A ByteSource over a browser Blob or File: each read slices the blob, so nothing loads the whole file.
import { QuantsmithError } from '../core/errors.ts';
import type { ByteSource } from '../core/byte-source.ts';

export class BlobSource implements ByteSource {
  readonly name: string;
  readonly size: number;

  constructor(private readonly blob: Blob, name?: string) {
    this.name = name ?? ((blob as Partial<File>).name || 'model');
    this.size = blob.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new QuantsmithError(`${this.name}: read of ${length} bytes past the end of the file (${this.size} bytes)`, offset);
    }
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}
