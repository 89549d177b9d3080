// Progress and cancel as the app and the CLI see them, on real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobProgress } from '../../web/src/core/engine/api.ts';
import { CancelledError } from '../../web/src/core/errors.ts';
import { SHARED_F16_GGUF, scratchDir } from '../helpers/paths.ts';
import { quantizeWithEngine } from '../helpers/engine.ts';

test('progress walks every tensor in order, bytes only grow, and the last event accounts for all of them', async () => {
  const dir = scratchDir();
  const events: JobProgress[] = [];
  // small slabs so that tensors take several steps
  const result = await quantizeWithEngine(
    SHARED_F16_GGUF,
    [{ options: { ftype: 'Q4_K_M' }, path: join(dir, 'a.gguf') }, { options: { ftype: 'Q8_0' }, path: join(dir, 'b.gguf') }],
    { onProgress: (p) => events.push(p), slabBytes: 64 * 1024 },
  );
  assert.ok(events.length >= 39, `at least one event per tensor, got ${events.length}`);
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].bytesDone >= events[i - 1].bytesDone, 'bytesDone never goes back');
    assert.ok(events[i].tensorIndex >= events[i - 1].tensorIndex, 'tensors in order');
    assert.ok(events[i].outputBytes.every((b, k) => b >= events[i - 1].outputBytes[k]));
  }
  const last = events[events.length - 1];
  assert.equal(last.tensorCount, 39);
  assert.equal(last.tensorIndex, 38);
  assert.equal(last.bytesDone, last.bytesTotal);
  assert.equal(last.bytesTotal, result.sourceBytes);
  assert.deepEqual(last.outputBytes, result.outputs.map((o) => o.size));
  assert.ok(last.mbPerSecond > 0 && Number.isFinite(last.mbPerSecond));
  assert.ok(events.some((e) => e.tensorName === 'blk.3.ffn_up.weight'));
});

test('abort stops the job with CancelledError and leaves no output', async () => {
  const dir = scratchDir();
  const controller = new AbortController();
  let sawProgress = 0;
  await assert.rejects(
    quantizeWithEngine(
      SHARED_F16_GGUF,
      [{ options: { ftype: 'Q3_K_M' }, path: join(dir, 'c.gguf') }],
      {
        slabBytes: 32 * 1024,
        signal: controller.signal,
        onProgress: (p) => {
          sawProgress++;
          if (p.tensorIndex >= 5) controller.abort();
        },
      },
    ),
    (e: unknown) => e instanceof CancelledError,
  );
  assert.ok(sawProgress > 0);
  assert.deepEqual(readdirSync(dir), [], 'no output and no temporary file');
  // the shared pool works again after a cancel
  await quantizeWithEngine(SHARED_F16_GGUF, [{ options: { ftype: 'Q8_0' }, path: join(dir, 'after.gguf') }]);
  assert.deepEqual(readdirSync(dir), ['after.gguf']);
});
