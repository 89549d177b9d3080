// A ByteSource over a browser Blob or File: each read slices the blob, so nothing loads the whole file.
// A Blob posts to a Web Worker as a handle to the same bytes, so its descriptor lets the kernel workers
// read their own slabs (off the page's main thread, which otherwise pays for every read).
//
// readInto() fills a given view (a worker's WASM heap) through the blob's byte stream, a staging buffer at a
// time: the browser hands each read back in the same buffer (BYOB), so a worker reading a whole model
// allocates nothing per slab. read() makes a new buffer of each range, which is garbage once copied into the
// heap and, being the browser's, stays in memory until the worker's next full garbage collection: gigabytes
// of them per job, and a worker with little heap of its own collects seldom.
import { QuantsmithError } from '../core/errors.ts';
import type { ByteSource, SourceDescriptor } from '../core/byte-source.ts';

/** bytes one BYOB read fills at most */
const STAGE_BYTES = 1024 * 1024;
/** staging buffers between reads, shared by the sources of this thread */
const spareStages: ArrayBuffer[] = [];

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
    this.checkRange(offset, length);
    let bytes: ArrayBuffer;
    try {
      bytes = await this.blob.slice(offset, offset + length).arrayBuffer();
    } catch (e) {
      throw this.readError(e);
    }
    if (bytes.byteLength !== length) throw this.shrank(offset, length, bytes.byteLength);
    return new Uint8Array(bytes);
  }

  async readInto(offset: number, into: Uint8Array): Promise<void> {
    const length = into.byteLength;
    this.checkRange(offset, length);
    const stream = this.blob.slice(offset, offset + length).stream();
    let reader: ReadableStreamBYOBReader;
    try {
      reader = stream.getReader({ mode: 'byob' });
    } catch {
      // not a byte stream (Node 20's Blob, older browsers): a buffer of its own, then copied
      into.set(await this.read(offset, length));
      return;
    }
    let stage = spareStages.pop() ?? new ArrayBuffer(STAGE_BYTES);
    let at = 0;
    try {
      while (at < length) {
        const { value, done } = await reader.read(new Uint8Array(stage, 0, Math.min(STAGE_BYTES, length - at)));
        if (value) stage = value.buffer as ArrayBuffer; // the same memory, handed back
        if (done || !value) throw this.shrank(offset, length, at);
        into.set(value, at);
        at += value.byteLength;
      }
    } catch (e) {
      if (e instanceof QuantsmithError) throw e;
      // a stream's error says less than arrayBuffer()'s (a file changed on disk): read() again says why
      into.set(await this.read(offset, length));
      return;
    } finally {
      void reader.cancel().catch(() => {});
    }
    if (stage.byteLength === STAGE_BYTES && !isDetached(stage)) spareStages.push(stage);
  }

  private checkRange(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new QuantsmithError(`${this.name}: read of ${length} bytes past the end of the file (${this.size} bytes)`, offset);
    }
  }

  private readError(e: unknown): unknown {
    // the browser refuses to read a File whose file on disk was modified, moved or removed after it was chosen
    if ((e as Error)?.name === 'NotReadableError' || (e as Error)?.name === 'NotFoundError') {
      return new QuantsmithError(`${this.name} can no longer be read: the file was changed, moved or removed after it was opened`);
    }
    return e;
  }

  private shrank(offset: number, length: number, got: number): QuantsmithError {
    return new QuantsmithError(`${this.name}: file shrank while reading (${length - got} bytes missing)`, offset + got);
  }
}

function isDetached(buffer: ArrayBuffer): boolean {
  return (buffer as ArrayBuffer & { detached?: boolean }).detached ?? false;
}

/** In a worker: the blob source a descriptor names. */
export function reopenBlob(d: Extract<SourceDescriptor, { kind: 'blob' }>): BlobSource {
  return new BlobSource(d.blob, d.name);
}
