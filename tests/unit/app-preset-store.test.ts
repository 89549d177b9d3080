// Presets saved by name in the app's IndexedDB store (here over the in-memory backend of the same interface).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryStore } from '../../web/src/app/state/kv.ts';
import { PresetStore } from '../../web/src/app/state/preset-store.ts';
import { DEFAULT_PRESET, type Preset } from '../../web/src/app/presets/preset.ts';

const q8: Preset = { ...DEFAULT_PRESET, types: ['Q8_0'], pure: true };

test('presets: saved by name, listed alphabetically, replaced when saved again, removed', async () => {
  const store = new PresetStore(memoryStore());
  await store.save('  zeta ', q8);
  await store.save('Alpha', DEFAULT_PRESET);
  assert.deepEqual((await store.list()).map((p) => p.name), ['Alpha', 'zeta']);
  assert.deepEqual(await store.get('zeta'), q8);

  await store.save('ALPHA', q8);
  const list = await store.list();
  assert.deepEqual(list.map((p) => p.name), ['ALPHA', 'zeta'], 'names compare case-insensitively');
  assert.deepEqual(list[0].preset, q8);

  await store.remove('zeta');
  assert.deepEqual((await store.list()).map((p) => p.name), ['ALPHA']);
  assert.equal(await store.get('zeta'), undefined);
});

test('presets: invalid names and options are refused before storing', async () => {
  const store = new PresetStore(memoryStore());
  await assert.rejects(store.save('', q8), /needs a name/);
  await assert.rejects(store.save('x'.repeat(81), q8), /longer than 80/);
  await assert.rejects(store.save('bad', { ...q8, types: ['Q9_9'] }), /unknown quantization type/);
  assert.deepEqual(await store.list(), []);
});
