// The Node output file: nothing under the final name until commit; abort leaves nothing at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createNodeFileSink } from '../../web/src/io/node-sink.ts';
import { scratchDir } from '../helpers/paths.ts';

test('bytes appear under the final name only after commit, in order', async () => {
  const dir = scratchDir();
  const path = join(dir, 'out.gguf');
  const sink = await createNodeFileSink(path);
  const big = new Uint8Array(3 << 20).fill(7);
  await sink.write(new Uint8Array([1, 2, 3]));
  await sink.write(big);
  await sink.write(new Uint8Array([4]));
  assert.equal(existsSync(path), false, 'not visible before commit');
  assert.equal(readdirSync(dir).length, 1);
  assert.match(readdirSync(dir)[0], /^\.out\.gguf\.\d+-[0-9a-f]{8}\.partial$/);
  await sink.commit();
  const got = readFileSync(path);
  assert.equal(got.length, 3 + big.length + 1);
  assert.deepEqual([...got.subarray(0, 4)], [1, 2, 3, 7]);
  assert.equal(got[got.length - 1], 4);
  assert.deepEqual(readdirSync(dir), ['out.gguf']);
});

test('abort removes the temporary file and keeps an existing file of the same name untouched', async () => {
  const dir = scratchDir();
  const path = join(dir, 'keep.gguf');
  writeFileSync(path, 'previous result');
  const sink = await createNodeFileSink(path);
  await sink.write(new Uint8Array(1000));
  await sink.abort();
  assert.deepEqual(readdirSync(dir), ['keep.gguf']);
  assert.equal(readFileSync(path, 'utf8'), 'previous result');
  await assert.rejects(sink.write(new Uint8Array(1)), /closed/);
});

test('a new sink removes the temporary files of its name that dead processes left, and nothing else', async () => {
  const dir = scratchDir();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no live process
  const live = spawn('sleep', ['30']);
  try {
    const stale = ['.out.gguf.deadbeef.partial', `.out.gguf.${dead}-0123abcd.partial`];
    const kept = [
      `.out.gguf.${live.pid}-89abcdef.partial`, // a run still going
      `.other.gguf.${dead}-0123abcd.partial`, // another output's
      '.out.gguf.notes.partial', // not a temporary name of ours
      'out.gguf.partial',
    ];
    for (const f of [...stale, ...kept]) writeFileSync(join(dir, f), 'x');
    const sink = await createNodeFileSink(join(dir, 'out.gguf'));
    assert.deepEqual([...sink.removedStale].sort(), [...stale].sort());
    await sink.commit();
    assert.deepEqual(readdirSync(dir).sort(), [...kept, 'out.gguf'].sort());
  } finally {
    live.kill();
  }
});
