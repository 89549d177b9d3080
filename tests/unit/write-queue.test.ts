// Queued writes reach the sink in order, a slow sink holds the job back at the limit, and errors surface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteQueue } from '../../web/src/core/engine/write-queue.ts';
import type { ByteSink } from '../../web/src/core/byte-source.ts';

function slowSink(delayMs: number, failAt = -1) {
  const got: number[] = [];
  const sink: ByteSink = {
    async write(d) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (got.length === failAt) throw new Error('disk full');
      got.push(d[0]);
    },
    async commit() {},
    async abort() {},
  };
  return { sink, got };
}

test('writes land in order, and the caller waits only past the limit', async () => {
  const { sink, got } = slowSink(5);
  const q = new WriteQueue(sink, 250);
  for (let i = 0; i < 3; i++) await q.write(new Uint8Array(100).fill(i)); // 300 bytes > limit on the third
  assert.ok(got.length >= 2, 'waited for the disk once the limit was passed');
  for (let i = 3; i < 10; i++) await q.write(new Uint8Array(10).fill(i));
  await q.drain();
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('a failed write fails drain and every later write; nothing after it reaches the sink', async () => {
  const { sink, got } = slowSink(1, 2);
  const q = new WriteQueue(sink);
  for (let i = 0; i < 5; i++) await q.write(new Uint8Array([i]));
  await assert.rejects(q.drain(), /disk full/);
  await assert.rejects(q.write(new Uint8Array([9])), /disk full/);
  assert.deepEqual(got, [0, 1]);
});

test('gathered writes: pieces reach the sink in order, joined into writes of at least the size asked for, the rest at drain', async () => {
  const writes: Uint8Array[] = [];
  const sink: ByteSink = { async write(d) { writes.push(d.slice()); }, async commit() {}, async abort() {} };
  const q = new WriteQueue(sink, 1000, 64);
  const pieces = Array.from({ length: 10 }, (_, i) => new Uint8Array(30).fill(i));
  for (const p of pieces) await q.write(p);
  await q.write(new Uint8Array(100).fill(10)); // a large piece after a gathered one joins it
  await q.drain();
  assert.deepEqual(writes.map((w) => w.byteLength), [90, 90, 90, 130]);
  const all = Buffer.concat(writes);
  assert.deepEqual(all, Buffer.concat([...pieces, new Uint8Array(100).fill(10)]));
});
