// Kernel workers that read their own slabs (the source's descriptor, opened by path in each worker thread):
// the rows never pass through the main thread, the bytes written are still llama.cpp's, a source that
// cannot be reopened keeps the main thread's reads, and a file that changes under the job, or is
// replaced or removed before a worker opens it, stops the job by name with no output left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ByteSource } from '../../web/src/core/byte-source.ts';
import type { KernelPool } from '../../web/src/core/engine/pool.ts';
import { openGgufModel } from '../../web/src/core/engine/gguf-source.ts';
import { runJob } from '../../web/src/core/engine/run-job.ts';
import { QuantsmithError } from '../../web/src/core/errors.ts';
import { NodeFileSource, openNodeFile } from '../../web/src/io/node-file.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { testPool } from '../helpers/engine.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { oracleQuantizeFile, oracleQuietLogs } from './llama-cpp.ts';

oracleQuietLogs();
const dir = scratchDir();
const expectedPath = join(dir, 'expected-Q8_0.gguf');
oracleQuantizeFile(SHARED_F16_GGUF, expectedPath, { ftype: 7 });
const expected = readFileSync(expectedPath);
rmSync(expectedPath);

/** The pool, counting the tasks whose rows came as bytes (read by this thread) and as ranges (read by a worker). */
function counting(pool: KernelPool) {
  const seen = { bytes: 0, ranges: 0 };
  const wrapped: KernelPool = {
    size: pool.size,
    convert: (task) => {
      if (ArrayBuffer.isView(task.src)) seen.bytes++;
      else seen.ranges++;
      return pool.convert(task);
    },
    cancel: () => pool.cancel(),
    close: () => pool.close(),
  };
  return { seen, pool: wrapped };
}

async function quantize(src: ByteSource, out: string, pool: KernelPool, onProgress?: () => void) {
  const source = await openGgufModel(src);
  try {
    return await runJob(source, [{ options: { ftype: 'Q8_0' }, sink: await createNodeFileSink(out) }], pool, { onProgress, slabBytes: 64 * 1024 });
  } finally {
    await source.close();
  }
}

test('the workers read the rows themselves and write llama.cpp bytes; a source without a descriptor is read here, to the same bytes', async () => {
  const work = scratchDir();
  const direct = counting(await testPool());
  await quantize(await openNodeFile(SHARED_F16_GGUF), join(work, 'direct.gguf'), direct.pool);
  assert.equal(direct.seen.bytes, 0, 'no slab crossed the main thread');
  assert.ok(direct.seen.ranges > 100, `the workers read every slab (${direct.seen.ranges})`);
  assert.ok(readFileSync(join(work, 'direct.gguf')).equals(expected), 'worker reads give llama.cpp bytes');

  const file = await openNodeFile(SHARED_F16_GGUF);
  const plain: ByteSource = { name: file.name, size: file.size, read: (o, n) => file.read(o, n), close: () => file.close() };
  const relayed = counting(await testPool());
  await quantize(plain, join(work, 'relayed.gguf'), relayed.pool);
  assert.equal(relayed.seen.ranges, 0);
  assert.ok(relayed.seen.bytes > 100);
  assert.ok(readFileSync(join(work, 'relayed.gguf')).equals(expected), 'main-thread reads give llama.cpp bytes');
});

test('a model rewritten on disk while the workers read it stops the job by name and leaves no output', async () => {
  const work = scratchDir();
  const input = join(work, 'model.gguf');
  copyFileSync(SHARED_F16_GGUF, input);
  let rewritten = false;
  const err = await quantize(await openNodeFile(input), join(work, 'out.gguf'), await testPool(), () => {
    if (rewritten) return;
    rewritten = true;
    // one byte near the end (a tensor not read yet), as an editor or a download still in progress would
    const fd = openSync(input, 'r+');
    writeSync(fd, Buffer.from([0x55]), 0, 1, readFileSync(input).length - 100);
    closeSync(fd);
  }).then(() => undefined, (e: unknown) => e);
  assert.ok(rewritten, 'the file was rewritten during the job');
  assert.ok(err instanceof QuantsmithError, `a named error, not ${err}`);
  assert.equal(err.message, 'model.gguf changed while it was being read (modified, truncated or replaced); the job was stopped');
  assert.deepEqual(readdirSync(work), ['model.gguf'], 'no output and no temporary file is left');
});

test('a worker opens only the very file the job opened: replaced or removed, it is refused by name', async () => {
  const work = scratchDir();
  const input = join(work, 'model.gguf');
  copyFileSync(SHARED_F16_GGUF, input);
  const opened = await openNodeFile(input);
  try {
    writeFileSync(join(work, 'other.gguf'), readFileSync(input));
    renameSync(join(work, 'other.gguf'), input);
    await assert.rejects(NodeFileSource.reopen(opened.descriptor), (e: unknown) =>
      e instanceof QuantsmithError && e.message === 'model.gguf changed while it was being read (modified, truncated or replaced); the job was stopped');
    rmSync(input);
    await assert.rejects(NodeFileSource.reopen(opened.descriptor), (e: unknown) =>
      e instanceof QuantsmithError && e.message === 'model.gguf can no longer be opened (no such file): it was moved or removed while being read');
    // the job's own handle still reads the file it opened (as a removed file stays readable on Linux)
    assert.equal((await opened.read(0, 4)).length, 4);
  } finally {
    await opened.close();
  }
});
