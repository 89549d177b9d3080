// The page's evaluator runs: workers ended after every outcome, progress with the time left, and cancel
// that ends a run at once (also while its workers are still starting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError } from '../../web/src/core/errors.ts';
import type { EvalWorker } from '../../web/src/core/eval/eval-run.ts';
import { EvalJob, type EvalJobProgress } from '../../web/src/app/quality/eval-job.ts';

function fakeWorkers(opts: { startDelay?: Promise<void> } = {}) {
  const log: string[] = [];
  let clock = 0;
  const pending: ((e: Error) => void)[] = [];
  const deps = {
    async startWorkers(count: number) {
      log.push(`start ${count}`);
      await opts.startDelay;
      return {
        workers: Array.from({ length: count }, () => ({}) as EvalWorker),
        terminate() {
          log.push('terminate');
          // as comlink does when a worker is ended: its pending calls fail
          for (const reject of pending.splice(0)) reject(new Error('worker terminated'));
        },
      };
    },
    now: () => clock,
  };
  const hang = () => new Promise<never>((_, reject) => pending.push(reject));
  return { deps, log, hang, tick: (ms: number) => (clock += ms) };
}

test('a run gets its own workers, reports progress with the time left, and ends them when done', async () => {
  const f = fakeWorkers();
  const seen: EvalJobProgress[] = [];
  const job = new EvalJob(f.deps, 2, (p) => seen.push(p));
  const result = await job.run(async (workers, signal, onProgress) => {
    assert.equal(workers.length, 2);
    assert.equal(signal.aborted, false);
    f.tick(10_000);
    onProgress({ done: 1, total: 4, what: 'chunk 1/4' });
    return 'figures';
  });
  assert.equal(result, 'figures');
  assert.deepEqual(f.log, ['start 2', 'terminate']);
  assert.deepEqual(seen[0], { progress: null, eta: undefined }, 'starting: no figures yet');
  assert.equal(seen[1].eta, 30, 'a quarter done in 10 s: 30 s left');
});

test('a failed run still ends its workers and keeps its own error', async () => {
  const f = fakeWorkers();
  const job = new EvalJob(f.deps, 1, () => {});
  await assert.rejects(job.run(async () => { throw new Error('bad text'); }), /bad text/);
  assert.deepEqual(f.log, ['start 1', 'terminate']);
});

test('cancel mid-run ends the workers at once, and the run ends as cancelled, not with their error', async () => {
  const f = fakeWorkers();
  const job = new EvalJob(f.deps, 2, () => {});
  const running = job.run(() => f.hang());
  await new Promise((r) => setTimeout(r, 0));
  job.cancel();
  await assert.rejects(running, CancelledError);
  assert.equal(job.cancelled, true);
  assert.deepEqual(f.log, ['start 2', 'terminate']);
});

test('cancel while the workers are starting: the work never runs and the workers are ended when they come', async () => {
  let started!: () => void;
  const f = fakeWorkers({ startDelay: new Promise<void>((r) => (started = r)) });
  const job = new EvalJob(f.deps, 2, () => {});
  let worked = false;
  const running = job.run(async () => { worked = true; return 1; });
  job.cancel();
  started();
  await assert.rejects(running, CancelledError);
  assert.equal(worked, false);
  assert.deepEqual(f.log, ['start 2', 'terminate']);
});
