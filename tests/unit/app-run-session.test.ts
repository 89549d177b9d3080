// The page's run sequence with fake pickers, sinks and engine: the states it shows, what it asks, what it
// leaves behind when dismissed, cancelled, failed or left mid-run.
import { test } from 'node:test';
import { inThreadHashApi } from '../helpers/in-thread-sha256.ts';
import { boundedHasher } from '../../web/src/app/run/stream-hasher.ts';
import assert from 'node:assert/strict';
import { CancelledError } from '../../web/src/core/errors.ts';
import type { ModelSource } from '../../web/src/core/engine/model-source.ts';
import type { ChosenOutput, NameOutputs } from '../../web/src/io/browser-pickers.ts';
import type { OutputSink } from '../../web/src/io/browser-sinks.ts';
import { runOutputs, type RunDeps } from '../../web/src/app/run/run-session.ts';
import type { RunState } from '../../web/src/app/run/run-state.ts';
import { DEFAULT_PRESET } from '../../web/src/app/presets/preset.ts';

interface FakeSink extends OutputSink { events: string[] }
function fakeSink(): FakeSink {
  const events: string[] = [];
  return {
    events,
    write: async () => void events.push('write'),
    commit: async () => void events.push('commit'),
    abort: async () => void events.push('abort'),
    abandon: () => void events.push('abandon'),
  };
}

const source = { sizeBytes: 100, name: 'm-F16.gguf', format: 'gguf' } as unknown as ModelSource;
const request = { source, fileName: 'm-F16.gguf', preset: { ...DEFAULT_PRESET, types: ['Q4_K_M', 'Q8_0'] }, plans: new Map() };

/** The hash worker's API, in this thread. */
function harness(over: Partial<RunDeps> & { existing?: string[] } = {}) {
  const states: RunState[] = [];
  const sinks: FakeSink[] = [];
  const page = new EventTarget();
  const deps: RunDeps = {
    async chooseOutputs(names, nameOutputs: NameOutputs) {
      const final = await nameOutputs(names, new Set(over.existing ?? []));
      if (!final) throw new DOMException('no', 'AbortError');
      return final.map((fileName): ChosenOutput => {
        const sink = fakeSink();
        sinks.push(sink);
        return { fileName, sink, location: fileName };
      });
    },
    askAboutClash: async () => 'keep-both',
    pool: async () => ({}) as never,
    runJob: (async (_s: unknown, outputs: Parameters<RunDeps['runJob']>[1]) => {
      for (const o of outputs) {
        await o.sink.write(new Uint8Array([1]));
        await o.sink.commit();
      }
      return { outputs: outputs.map(() => ({ size: 1, plan: { tensors: [] } })), seconds: 0.5, sourceBytes: 100 };
    }) as unknown as RunDeps['runJob'],
    page,
    show: (s) => void states.push(s),
    announce: () => {},
    // hash-wasm in this thread (the page puts it on a worker)
    hasher: () => boundedHasher(inThreadHashApi()),
    ...over,
  };
  return { deps, states, sinks, page };
}

test('a run names its outputs after the model, shows running then done with each hash', async () => {
  const h = harness({ existing: ['m-Q8_0.gguf'] });
  const done = await runOutputs(request, h.deps, new AbortController());
  assert.deepEqual(h.states.map((s) => s.kind), ['running', 'done']);
  assert.deepEqual(done?.outputs.map((o) => o.fileName), ['m-Q4_K_M.gguf', 'm-Q8_0 (1).gguf'], 'kept both');
  assert.equal(done?.outputs[0].sha256, '4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a');
});

test('a cancelled question writes nothing and shows nothing', async () => {
  const h = harness({ existing: ['m-Q4_K_M.gguf'], askAboutClash: async () => 'cancel' });
  assert.equal(await runOutputs(request, h.deps, new AbortController()), undefined);
  assert.deepEqual(h.states, []);
  assert.equal(h.sinks.length, 0);
});

test('Cancel before the job starts aborts the sinks; a failing job says why', async () => {
  const abort = new AbortController();
  const h = harness({ pool: async () => (abort.abort(), {}) as never });
  await runOutputs(request, h.deps, abort);
  assert.equal(h.states.at(-1)?.kind, 'cancelled');
  assert.deepEqual(h.sinks.map((s) => s.events), [['abort'], ['abort']]);

  const failing = harness({ runJob: (async () => { throw new Error('disk full'); }) as RunDeps['runJob'] });
  await runOutputs(request, failing.deps, new AbortController());
  assert.deepEqual(failing.states.at(-1), { kind: 'failed', modelName: 'm-F16.gguf', message: 'disk full' });
});

test('leaving mid-run is questioned, and a page that goes anyway abandons every output and stops the job', async () => {
  let questioned = false;
  const h = harness({
    runJob: (async (_s, _o, _p, options) => {
      const ask = new Event('beforeunload', { cancelable: true });
      Object.defineProperty(ask, 'returnValue', { writable: true, value: true });
      h.page.dispatchEvent(ask);
      questioned = ask.defaultPrevented;
      h.page.dispatchEvent(new Event('pagehide'));
      if (options?.signal?.aborted) throw new CancelledError();
      throw new Error('not stopped');
    }) as RunDeps['runJob'],
  });
  await runOutputs(request, h.deps, new AbortController());
  assert.equal(questioned, true);
  assert.deepEqual(h.sinks.map((s) => s.events), [['abandon'], ['abandon']]);
  assert.equal(h.states.at(-1)?.kind, 'cancelled');
  const after = new Event('beforeunload', { cancelable: true });
  Object.defineProperty(after, 'returnValue', { writable: true, value: true });
  h.page.dispatchEvent(after);
  assert.equal(after.defaultPrevented, false, 'the guard ends with the run');
});
