// BlobSource.readInto, the kernel workers' read of a posted File straight into their WASM heap: the bytes
// are the file's whatever the range (through a byte stream, a staging buffer at a time, or the fallback
// where a Blob has no byte stream), a range past the end is refused, and a file that shrank or can no
// longer be read fails with the same one-line messages as read().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BlobSource } from '../../web/src/io/blob-source.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';

const MiB = 1024 * 1024;
const bytes = new Uint8Array(randomBytes(5 * MiB + 123));

/**
 * A Blob-shaped object over `data` whose slices stream as a byte stream handing out at most `chunk` bytes a
 * read (as a browser's file stream does), counting the reads and the sizes of the buffers they were given.
 */
function byteStreamBlob(data: Uint8Array, chunk: number, opts: { endEarlyBy?: number; failAfter?: number; arrayBufferError?: Error } = {}) {
  const seen = { reads: 0, bufferSizes: new Set<number>() };
  const sliceOf = (start: number, end: number) => ({
    size: end - start,
    arrayBuffer: async () => {
      if (opts.arrayBufferError) throw opts.arrayBufferError;
      return data.slice(start, end).buffer;
    },
    stream: () => {
      let at = start;
      const stop = end - (opts.endEarlyBy ?? 0);
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          const request = controller.byobRequest!;
          const view = request.view!;
          seen.reads++;
          seen.bufferSizes.add(view.buffer.byteLength);
          if (opts.failAfter !== undefined && seen.reads > opts.failAfter) return controller.error(new TypeError('network error'));
          if (at >= stop) {
            controller.close();
            request.respond(0);
            return;
          }
          const n = Math.min(chunk, view.byteLength, stop - at);
          new Uint8Array(view.buffer, view.byteOffset, n).set(data.subarray(at, at + n));
          at += n;
          request.respond(n);
        },
      });
    },
  });
  return { blob: { size: data.byteLength, slice: sliceOf } as unknown as Blob, seen };
}

test('readInto gives the bytes of the range, for ranges shorter and longer than a staging buffer', async () => {
  const { blob, seen } = byteStreamBlob(bytes, 300_000);
  const source = new BlobSource(blob, 'm.gguf');
  for (const [offset, length] of [[0, 0], [7, 1], [1000, MiB - 1], [3, MiB + 1], [12345, 4 * MiB + 17], [bytes.length - 5, 5]]) {
    const into = new Uint8Array(length + 8).subarray(4, 4 + length); // a view into a larger buffer, as the heap is
    await source.readInto(offset, into);
    assert.deepEqual(into, bytes.subarray(offset, offset + length), `${length} bytes at ${offset}`);
  }
  // every read goes into a staging buffer of 1 MiB (handed back by each read: the same memory under a new
  // ArrayBuffer object), never into a buffer the size of the range
  assert.ok(seen.reads > 20);
  assert.deepEqual(seen.bufferSizes, new Set([MiB]));
});

test('readInto of a real Blob (whatever its stream) gives the same bytes', async () => {
  const source = new BlobSource(new Blob([bytes]), 'm.gguf');
  const into = new Uint8Array(2 * MiB + 9);
  await source.readInto(77, into);
  assert.deepEqual(into, bytes.subarray(77, 77 + into.length));
});

test('readInto refuses a range past the end and reports a file that shrank or can no longer be read', async () => {
  const source = new BlobSource(byteStreamBlob(bytes, MiB).blob, 'm.gguf');
  await assert.rejects(source.readInto(bytes.length - 10, new Uint8Array(11)), (e: unknown) =>
    e instanceof QuantsmithError && /m\.gguf: read of 11 bytes past the end of the file/.test(e.message));

  const shorter = new BlobSource(byteStreamBlob(bytes, MiB, { endEarlyBy: 100 }).blob, 'm.gguf');
  await assert.rejects(shorter.readInto(0, new Uint8Array(2 * MiB)), (e: unknown) =>
    e instanceof QuantsmithError && /^m\.gguf: file shrank while reading \(100 bytes missing\)/.test(e.message));

  // a stream fails without saying why; the message comes from the browser's refusal to read the file again
  const gone = Object.assign(new Error('changed'), { name: 'NotReadableError' });
  const changed = new BlobSource(byteStreamBlob(bytes, MiB, { failAfter: 1, arrayBufferError: gone }).blob, 'm.gguf');
  await assert.rejects(changed.readInto(0, new Uint8Array(3 * MiB)), (e: unknown) =>
    e instanceof QuantsmithError && e.message === 'm.gguf can no longer be read: the file was changed, moved or removed after it was opened');

  // and when reading again works after all, the bytes are right
  const flaky = new BlobSource(byteStreamBlob(bytes, MiB, { failAfter: 1 }).blob, 'm.gguf');
  const into = new Uint8Array(3 * MiB);
  await flaky.readInto(5, into);
  assert.deepEqual(into, bytes.subarray(5, 5 + into.length));
});
