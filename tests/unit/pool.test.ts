// Scheduling in the worker pool: bounded parallelism, results to the right caller, prompt cancel, recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, type PoolWorker } from '../../web/src/core/engine/pool.ts';
import { CancelledError } from '../../web/src/core/errors.ts';
import type { ConvertTask } from '../../web/src/core/engine/convert-task.ts';

function task(n: number): ConvertTask {
  return { srcType: 0, src: new Uint8Array([n]), nRows: 1, nPerRow: 1, dstTypes: [0] };
}

/** Workers that answer after `delay` ms with the task's byte + 1; counts how many run at once. */
function fakeWorkers(delay: number) {
  const state = { spawned: 0, running: 0, maxRunning: 0, terminated: 0 };
  const spawn = async (): Promise<PoolWorker> => {
    state.spawned++;
    const timers = new Set<ReturnType<typeof setTimeout>>();
    return {
      async convert(t) {
        state.running++;
        state.maxRunning = Math.max(state.maxRunning, state.running);
        // a terminated worker never answers, like a killed thread
        await new Promise((r) => timers.add(setTimeout(r, delay)));
        state.running--;
        const n = (t.src as Uint8Array)[0];
        if (n === 255) throw new Error('kernel failed');
        return [new Uint8Array([n + 1])];
      },
      terminate() {
        for (const t of timers) clearTimeout(t);
        state.terminated++;
      },
    };
  };
  return { state, spawn };
}

test('never runs more tasks at once than the pool size, and answers each caller', async () => {
  const { state, spawn } = fakeWorkers(5);
  const pool = createPool(3, spawn);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.convert(task(i))));
  assert.deepEqual(results.map((r) => r[0][0]), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(state.maxRunning, 3);
  assert.equal(state.spawned, 3);
  pool.close();
});

test('cancel rejects running and queued tasks at once and terminates the workers; the pool works again afterwards', async () => {
  const { state, spawn } = fakeWorkers(10_000);
  const pool = createPool(2, spawn);
  const pending = Array.from({ length: 5 }, (_, i) => pool.convert(task(i)));
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  pool.cancel();
  const settled = await Promise.allSettled(pending);
  assert.ok(Date.now() - t0 < 1000, 'cancel is prompt');
  for (const s of settled) assert.ok(s.status === 'rejected' && s.reason instanceof CancelledError);
  assert.equal(state.terminated, 2);

  const fast = fakeWorkers(1);
  const pool2 = createPool(2, fast.spawn);
  assert.deepEqual([...(await pool2.convert(task(41)))[0]], [42]);
  pool2.close();
});

test('a failing task rejects its caller only; the worker is replaced', async () => {
  const { state, spawn } = fakeWorkers(1);
  const pool = createPool(1, spawn);
  await assert.rejects(pool.convert(task(255)), /kernel failed/);
  assert.deepEqual([...(await pool.convert(task(1)))[0]], [2]);
  assert.equal(state.spawned, 2);
  assert.equal(state.terminated, 1);
  pool.close();
});

test('a closed pool refuses work', async () => {
  const pool = createPool(1, fakeWorkers(1).spawn);
  pool.close();
  await assert.rejects(pool.convert(task(1)), /closed/);
});
