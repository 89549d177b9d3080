// A worker that dies fails its pending and later calls instead of leaving them waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerDeath } from '../../web/src/workers/worker-death.ts';

test('calls settle with their own result while the worker lives', async () => {
  const death = new WorkerDeath();
  assert.equal(await death.guard(Promise.resolve(7)), 7);
  await assert.rejects(death.guard(Promise.reject(new Error('kernel said no'))), /kernel said no/);
});

test('a death rejects the pending calls and every later one', async () => {
  const death = new WorkerDeath();
  const never = new Promise<number>(() => {});
  const pending = [death.guard(never), death.guard(never)];
  death.died(new Error('kernel worker exited with code 1'));
  for (const p of pending) await assert.rejects(p, /exited with code 1/);
  await assert.rejects(death.guard(Promise.resolve(1)), /exited with code 1/);
  // the first cause is kept
  death.died(new Error('second'));
  await assert.rejects(death.guard(Promise.resolve(1)), /exited with code 1/);
});
