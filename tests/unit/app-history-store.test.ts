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
