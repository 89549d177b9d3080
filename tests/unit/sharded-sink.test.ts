// One output as several files: bytes cut at the planned sizes, no shard under its final name until every
// shard is complete, and a failed or aborted run leaves none of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ByteSink } from '../../web/src/core/byte-source.ts';
import { shardedSink } from '../../web/src/core/engine/sharded-sink.ts';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { scratchDir } from '../helpers/paths.ts';

test('bytes are cut at the shard sizes, whatever the writes; the files appear only on commit', async () => {
  const dir = scratchDir();
  const names = ['a-00001-of-00003.gguf', 'a-00002-of-00003.gguf', 'a-00003-of-00003.gguf'];
  const sink = shardedSink([5, 3, 4], await Promise.all(names.map((n) => createNodeFileSink(join(dir, n)))));
  const all = Uint8Array.from({ length: 12 }, (_, i) => i);
  await sink.write(all.subarray(0, 2));
  await sink.write(all.subarray(2, 9));
  await sink.write(all.subarray(9));
  assert.deepEqual(readdirSync(dir).filter((n) => !n.endsWith('.partial')), []);
  await sink.commit();
  assert.deepEqual(names.map((n) => [...readFileSync(join(dir, n))]), [[0, 1, 2, 3, 4], [5, 6, 7], [8, 9, 10, 11]]);
  assert.deepEqual(readdirSync(dir).sort(), names);
});

test('every shard is finished before any is renamed; a shard that cannot finish leaves no final file', async () => {
  const events: string[] = [];
  const fake = (id: number, failFinish = false): ByteSink => ({
    write: async () => {},
    finish: async () => {
      events.push(`finish ${id}`);
      if (failFinish) throw new Error('disk full');
    },
    commit: async () => void events.push(`commit ${id}`),
    abort: async () => void events.push(`abort ${id}`),
  });
  await shardedSink([1, 1], [fake(1), fake(2)]).commit();
  assert.deepEqual(events, ['finish 1', 'finish 2', 'commit 1', 'commit 2']);
  events.length = 0;
  const failing = shardedSink([1, 1], [fake(1), fake(2, true)]);
  await assert.rejects(failing.commit(), /disk full/);
  assert.equal(events.some((e) => e.startsWith('commit')), false);
  await failing.abort();
  assert.deepEqual(events.slice(-2), ['abort 1', 'abort 2']);
});

test('abort removes every shard\'s temporary file', async () => {
  const dir = scratchDir();
  const sink = shardedSink([2, 2], await Promise.all(['b-00001-of-00002.gguf', 'b-00002-of-00002.gguf'].map((n) => createNodeFileSink(join(dir, n)))));
  await sink.write(new Uint8Array(3));
  await sink.abort();
  assert.deepEqual(readdirSync(dir), []);
});
