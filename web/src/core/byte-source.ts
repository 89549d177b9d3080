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
  close?(): Promise<void>;
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
