// The run history the app keeps in IndexedDB (here over the in-memory backend of the same interface).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStore } from '../../web/src/app/state/kv.ts';
import { HistoryStore, type HistoryEntry } from '../../web/src/app/state/history-store.ts';

const run = (finishedAt: number, modelName = 'm.gguf'): Omit<HistoryEntry, 'id'> => ({
  finishedAt,
  modelName,
  modelSize: 1000,
  presetLink: 'type=Q8_0',
  outputs: [{ type: 'Q8_0', fileName: 'm-Q8_0.gguf', size: 536, sha256: 'ab'.repeat(32) }],
  seconds: 1.5,
});

test('history: newest first, kept to its limit, entries removable and clearable', async () => {
  const store = new HistoryStore(memoryStore(), 3);
  for (const t of [10, 40, 20, 30]) await store.add(run(t, `model-${t}`));
  const list = await store.list();
  assert.deepEqual(list.map((e) => e.modelName), ['model-40', 'model-30', 'model-20'], 'the oldest run beyond the limit is dropped');
  assert.deepEqual(list[0].outputs, run(40).outputs);

  await store.remove(list[1].id);
  assert.deepEqual((await store.list()).map((e) => e.modelName), ['model-40', 'model-20']);
  const cleared = await store.clear();
  assert.deepEqual(await store.list(), []);
  await store.add(run(50, 'model-50'));
  await store.restore(cleared);
  assert.deepEqual((await store.list()).map((e) => e.modelName), ['model-50', 'model-40', 'model-20'], 'Undo brings the cleared runs back');
});

test('history: a quality check\'s figures stay with the run they measured', async () => {
  const store = new HistoryStore(memoryStore());
  const entry = await store.add(run(10));
  const quality = {
    textName: 'heldout.txt', nCtx: 256, chunks: 2,
    rows: [
      { type: 'F16', fileName: 'm.gguf', size: 1000, ppl: 31.2, pplError: 0.9, pplDelta: 0 },
      { type: 'Q8_0', fileName: 'm-Q8_0.gguf', size: 536, ppl: 31.21, pplError: 0.9, pplDelta: 0.0003, meanKld: 7.5e-5, sameTop: 0.993 },
    ],
  };
  assert.equal(await store.setQuality(entry.id, quality), true);
  const [kept] = await store.list();
  assert.deepEqual(kept.quality, quality);
  assert.deepEqual(kept.outputs, entry.outputs, 'the rest of the entry is unchanged');
  await store.remove(entry.id);
  assert.equal(await store.setQuality(entry.id, quality), false, 'a run no longer kept is not brought back');
  assert.deepEqual(await store.list(), []);
});

test('history: a run records its importance matrix by name and SHA-256; runs kept before that still load', async () => {
  const kv = memoryStore();
  // as a run was stored before the importance matrix was recorded
  await kv.set('old', { ...run(10, 'old.gguf'), id: 'old' });
  // a damaged record of one: shown without it, not as garbage
  await kv.set('odd', { ...run(5, 'odd.gguf'), id: 'odd', imatrix: { fileName: 'x.gguf', sha256: 'not a hash' } });
  const store = new HistoryStore(kv);
  const imatrix = { fileName: 'pydoc.imatrix.gguf', sha256: 'c0'.repeat(32) };
  await store.add({ ...run(20, 'new.gguf'), presetLink: `type=Q2_K_S&imatrix=pydoc.imatrix.gguf&imatrix-sha256=${imatrix.sha256}`, imatrix });
  const list = await store.list();
  assert.deepEqual(list.map((e) => e.modelName), ['new.gguf', 'old.gguf', 'odd.gguf']);
  assert.deepEqual(list[0].imatrix, imatrix);
  assert.equal(list[1].imatrix, undefined);
  assert.equal('imatrix' in list[2], false);
  assert.deepEqual(list[1].outputs, run(10).outputs, 'the old run is otherwise as it was');
});
