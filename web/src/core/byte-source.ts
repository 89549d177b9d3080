// Where model bytes come from: a Node file descriptor, a browser File/Blob, a FileSystemFileHandle's file.
// Everything reads byte ranges; nothing reads a whole model into memory.

export interface ByteSource {
  /** file name for messages and default output names */
  readonly name: string;
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset`; rejects with a QuantsmithError if the range is past the end.
   * `hint` tells a source that fetches ahead (over the network) how far the reader will go on reading.
   */
  read(offset: number, length: number, hint?: ReadHint): Promise<Uint8Array>;
  /**
   * Optional: reads exactly `into.byteLength` bytes at `offset` into `into` (a view of a worker's WASM heap,
   * say), sparing the buffer read() would allocate and the copy out of it. Same errors as read().
   */
  readInto?(offset: number, into: Uint8Array): Promise<void>;
  /**
   * Optional: how another thread can open these same bytes by itself (see SourceDescriptor). Absent for
   * sources that cannot be opened twice this way (over HTTP, bytes made on the fly).
   */
  readonly descriptor?: SourceDescriptor;
  close?(): Promise<void>;
}

/**
 * A source a pool worker can open and read on its own, so that the bytes of a slab go from the disk to the
 * worker without passing through the thread that runs the job. Plain data (structured-cloneable): a browser
 * Blob or File posts to a Web Worker as a handle to the same file; a Node worker thread opens the path and
 * checks `identity` (the opener's own record of the file it opened) so that a file replaced meanwhile is
 * never read as if it were the same.
 */
export type SourceDescriptor =
  | { readonly kind: 'blob'; readonly name: string; readonly blob: Blob }
  | { readonly kind: 'file'; readonly name: string; readonly path: string; readonly size: number; readonly identity: string };

/** `length` bytes at `offset` of a source another thread opens by its descriptor. */
export interface SourceRange {
  readonly source: SourceDescriptor;
  readonly offset: number;
  readonly length: number;
}

export interface ReadHint {
  /** the reader goes on reading sequentially up to this offset (exclusive), e.g. the end of the tensor */
  readonly until?: number;
}

/** Where output bytes go, strictly in order. Nothing is visible under the final name until commit(). */
export interface ByteSink {
  /** The sink may keep `data` until commit(): callers hand it over and do not modify it afterwards. */
  write(data: Uint8Array): Promise<void>;
  /** make the output final (rename the temporary file, close the writable) */
  commit(): Promise<void>;
  /**
   * Optional: everything but making it final (flush, sync, close the temporary file), so that several files
   * can all be finished before any is renamed. commit() still does the rest.
   */
  finish?(): Promise<void>;
  /** drop everything written; the final name is left untouched */
  abort(): Promise<void>;
}
